package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The arenas the segment workloads compare, by benchmark name: rtmalloc's
 * confined arena over each front end (zeroed, as the JDK's are), its
 * thread-bound view's, its unzeroed and shared arenas, and the JDK's own
 * {@code Arena.ofConfined()} and {@code Arena.ofShared()}. The JDK 25 this
 * runs on has no pooled arena; when a later JDK adds one, it belongs here.
 */
abstract class Arenas {

    static final List<String> NAMES = List.of(
            "rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "rtmalloc_threadcache_unzeroed", "rtmalloc_threadcache_shared", "arena_confined", "arena_shared");

    /** A new arena (of the calling thread, for the confined kinds). */
    abstract Arena open();

    /** The allocator behind it, or null for the JDK's. */
    Allocator allocator() {
        return null;
    }

    static Arenas create(String name) {
        return switch (name) {
            case "arena_confined" -> new Arenas() {
                @Override
                Arena open() {
                    return Arena.ofConfined();
                }
            };
            case "arena_shared" -> new Arenas() {
                @Override
                Arena open() {
                    return Arena.ofShared();
                }
            };
            case "rtmalloc_global" -> new Rt("global", Kind.PLAIN);
            case "rtmalloc_threadcache" -> new Rt("threadcache", Kind.PLAIN);
            case "rtmalloc_threadcache_bound" -> new Rt("threadcache", Kind.BOUND);
            case "rtmalloc_percpu" -> new Rt("percpu", Kind.PLAIN);
            case "rtmalloc_threadcache_unzeroed" -> new Rt("threadcache", Kind.UNZEROED);
            case "rtmalloc_threadcache_shared" -> new Rt("threadcache", Kind.SHARED);
            default -> throw new IllegalArgumentException("unknown arena " + name + "; known: " + NAMES);
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
