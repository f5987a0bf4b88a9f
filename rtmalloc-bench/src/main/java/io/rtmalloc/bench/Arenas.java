package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

import java.lang.foreign.Arena;

/**
 * The arenas the segment workloads compare, by benchmark name: rtmalloc's
 * confined arena over each front end (zeroed, as the JDK's are), its
 * thread-bound view's, its unzeroed and shared arenas, and the JDK's own
 * {@code Arena.ofConfined()} and {@code Arena.ofShared()}. The JDK 25 this
 * runs on has no pooled arena; when a later JDK adds one, it belongs here.
 */
abstract class Arenas {

    /** A new arena (of the calling thread, for the confined kinds). */
    abstract Arena open();

    /** The allocator behind it, or null for the JDK's. */
    Allocator allocator() {
        return null;
    }

    static Arenas create(String name) {
        return switch (Allocators.of(name)) {
            case ARENA_CONFINED -> new Arenas() {
                @Override
                Arena open() {
                    return Arena.ofConfined();
                }
            };
            case ARENA_SHARED -> new Arenas() {
                @Override
                Arena open() {
                    return Arena.ofShared();
                }
            };
            case RTMALLOC_GLOBAL -> new Rt("global", Kind.PLAIN);
            case RTMALLOC_THREADCACHE -> new Rt("threadcache", Kind.PLAIN);
            case RTMALLOC_THREADCACHE_BOUND -> new Rt("threadcache", Kind.BOUND);
            case RTMALLOC_PERCPU -> new Rt("percpu", Kind.PLAIN);
            case RTMALLOC_THREADCACHE_UNZEROED -> new Rt("threadcache", Kind.UNZEROED);
            case RTMALLOC_THREADCACHE_SHARED -> new Rt("threadcache", Kind.SHARED);
            default -> throw new IllegalArgumentException("not an arena allocator: " + name);
        };
    }

    enum Kind { PLAIN, BOUND, UNZEROED, SHARED }

    /** rtmalloc's arenas. */
    static final class Rt extends Arenas {
        private final Allocator allocator;
        private final Allocator caller;
        private final Kind kind;

        Rt(String frontEnd, Kind kind) {
            this.allocator = RtMalloc.builder().frontEnd(frontEnd).build();
            this.caller = kind == Kind.BOUND ? allocator.threadBound() : allocator;
            this.kind = kind;
        }

        @Override
        Arena open() {
            return switch (kind) {
                case PLAIN, BOUND -> caller.newArena();
                case UNZEROED -> caller.newArena(false);
                case SHARED -> caller.newSharedArena();
            };
        }

        @Override
        Allocator allocator() {
            return allocator;
        }
    }
}
