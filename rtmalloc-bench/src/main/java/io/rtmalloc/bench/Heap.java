package io.rtmalloc.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;

import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * One instance of an allocator under test ({@link Allocators} makes it from the
 * workload's {@code allocator} parameter): it makes {@link Blocks} for the workloads
 * and says, where it can, how much memory it holds.
 */
abstract class Heap {

    static final String GLIBC = "glibc mallinfo2() arena+hblkhd, whole process";

    /** The allocator of that name, as the address workloads drive it. */
    static Heap create(String name) {
        return Allocators.of(name).heap();
    }

    /**
     * An rtmalloc allocator of {@code name} ({@code rtmalloc_global}, {@code rtmalloc_threadcache},
     * {@code rtmalloc_threadcache_bound} or {@code rtmalloc_percpu}) with a configuration of its own.
     */
    static Heap rtmalloc(String name, Config config) {
        return switch (Allocators.of(name)) {
            case RTMALLOC_GLOBAL -> new Rt("global", false, config);
            case RTMALLOC_THREADCACHE -> new Rt("threadcache", false, config);
            case RTMALLOC_THREADCACHE_BOUND -> new Rt("threadcache", true, config);
            case RTMALLOC_PERCPU -> new Rt("percpu", false, config);
            default -> throw new IllegalArgumentException("not an rtmalloc allocator: " + name);
        };
    }

    /** Blocks with {@code n} slots, for the calling thread (a thread-bound view binds to it). */
    abstract Blocks blocks(int n);

    /**
     * Bytes mapped and bytes resident by the allocator's own accounting, -1 where
     * it does not say; null when it keeps no such account.
     */
    long[] own() {
        return null;
    }

    /** After the trial: checks that nothing leaked (rtmalloc) and lets go of the allocator. */
    void close() {
    }

    /** An rtmalloc stack with one front end; the bound variant hands out views bound to the calling thread. */
    static final class Rt extends Heap {
        static final String SOURCE = "rtmalloc stats()";

        final Allocator allocator;
        private final boolean bound;

        Rt(String frontEnd, boolean bound) {
            this(frontEnd, bound, Config.defaults());
        }

        Rt(String frontEnd, boolean bound, Config config) {
            this.allocator = RtMalloc.builder().frontEnd(frontEnd).config(config).build();
            this.bound = bound;
        }

        @Override
        Blocks blocks(int n) {
            return new Blocks.Rt(bound ? allocator.threadBound() : allocator, n);
        }

        @Override
        long[] own() {
            AllocatorStats s = allocator.stats();
            return new long[] {s.mappedBytes(), s.residentBytes()};
        }

        @Override
        void close() {
            allocator.flushThreadCache();
            if (allocator.frontEnd().equals("percpu")) {
                allocator.releaseFreeMemory(); // drains the CPU caches
            }
            AllocatorStats stats = allocator.stats();
            if (stats.bytesInUse() != 0) {
                throw new IllegalStateException("rtmalloc " + allocator.frontEnd() + " leaks: " + stats.bytesInUse()
                        + " bytes still in use after the trial\n" + stats);
            }
        }
    }

    /** A native malloc (glibc, tcmalloc, jemalloc, mimalloc) through FFM, with its own account if it keeps one. */
    static final class Malloc extends Heap {
        private final IntFunction<Blocks> blocks;
        private final Supplier<long[]> own;

        Malloc(IntFunction<Blocks> blocks, Supplier<long[]> own) {
            this.blocks = blocks;
            this.own = own;
        }

        @Override
        Blocks blocks(int n) {
            return blocks.apply(n);
        }

        @Override
        long[] own() {
            return own.get();
        }
    }

    /** The JDK's own blocks (arena segments, direct buffers), which the JVM takes from glibc's malloc. */
    static final class Jdk extends Heap {
        private final IntFunction<Blocks> blocks;

        Jdk(IntFunction<Blocks> blocks) {
            this.blocks = blocks;
        }

        @Override
        Blocks blocks(int n) {
            return blocks.apply(n);
        }

        @Override
        long[] own() {
            return Natives.glibcFootprint();
        }
    }

    /** A Netty allocator of direct buffers. */
    static final class Netty extends Heap {
        static final String SOURCE = "Netty metric().usedDirectMemory()";

        final ByteBufAllocator alloc;

        Netty(ByteBufAllocator alloc) {
            this.alloc = alloc;
        }

        @Override
        Blocks blocks(int n) {
            return new Blocks.Netty(alloc, n);
        }

        @Override
        long[] own() {
            return new long[] {((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory(), -1};
        }

        /**
         * Netty frees a pool's chunks only when the garbage collector finds the
         * allocator unreachable: collect now, so that a JVM running several trials
         * (the smoke profile) does not run out of direct memory.
         */
        @Override
        void close() {
            System.gc();
        }
    }
}
