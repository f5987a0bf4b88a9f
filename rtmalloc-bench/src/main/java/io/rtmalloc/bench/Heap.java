package io.rtmalloc.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;

import java.util.List;

/**
 * One allocator under test, by its benchmark name (the {@code allocator}
 * parameter of every workload): it makes {@link Blocks} for the workloads and
 * says, where it can, how much memory it holds.
 */
abstract class Heap {

    /** Every allocator name, in the order tables and charts list them. */
    static final List<String> NAMES = List.of(
            "rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive",
            "arena_confined", "arena_shared", "bytebuffer_direct");

    final String name;

    Heap(String name) {
        this.name = name;
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

    /** What {@link #own()} reads, for the footprint table. */
    String ownSource() {
        return "";
    }

    /** After the trial: checks that nothing leaked (rtmalloc) and lets go of the allocator. */
    void close() {
    }

    static Heap create(String name) {
        return switch (name) {
            case "rtmalloc_global" -> new Rt(name, "global", false);
            case "rtmalloc_threadcache" -> new Rt(name, "threadcache", false);
            case "rtmalloc_threadcache_bound" -> new Rt(name, "threadcache", true);
            case "rtmalloc_percpu" -> new Rt(name, "percpu", false);
            case "libc_ffm" -> new Glibc(name, false);
            case "libc_ffm_critical" -> new Glibc(name, false);
            case "arena_confined" -> new Glibc(name, false);
            case "arena_shared" -> new Glibc(name, true);
            case "bytebuffer_direct" -> new Glibc(name, false);
            case "tcmalloc_ffm" -> new Native(name, Natives.Lib.TCMALLOC);
            case "jemalloc_ffm" -> new Native(name, Natives.Lib.JEMALLOC);
            case "mimalloc_ffm" -> new Native(name, Natives.Lib.MIMALLOC);
            case "netty_pooled" -> new Netty(name, new PooledByteBufAllocator(true));
            // As io.netty.allocator.useCacheForAllThreads=true: thread caches for every thread,
            // given to this allocator's constructor so that it holds whatever Netty read first.
            case "netty_pooled_cache_all" -> new Netty(name, new PooledByteBufAllocator(true,
                    PooledByteBufAllocator.defaultNumHeapArena(), PooledByteBufAllocator.defaultNumDirectArena(),
                    PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                    PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(),
                    true));
            case "netty_adaptive" -> new Netty(name, new AdaptiveByteBufAllocator(true));
            default -> throw new IllegalArgumentException("unknown allocator " + name + "; known: " + NAMES);
        };
    }

    /**
     * An rtmalloc allocator of {@code name} ({@code rtmalloc_global}, {@code rtmalloc_threadcache},
     * {@code rtmalloc_threadcache_bound} or {@code rtmalloc_percpu}) with a configuration of its own.
     */
    static Heap rtmalloc(String name, Config config) {
        return switch (name) {
            case "rtmalloc_global" -> new Rt(name, "global", false, config);
            case "rtmalloc_threadcache" -> new Rt(name, "threadcache", false, config);
            case "rtmalloc_threadcache_bound" -> new Rt(name, "threadcache", true, config);
            case "rtmalloc_percpu" -> new Rt(name, "percpu", false, config);
            default -> throw new IllegalArgumentException("not an rtmalloc allocator: " + name);
        };
    }

    /** An rtmalloc stack with one front end; the bound variant hands out views bound to the calling thread. */
    static final class Rt extends Heap {
        final Allocator allocator;
        private final boolean bound;

        Rt(String name, String frontEnd, boolean bound) {
            this(name, frontEnd, bound, Config.defaults());
        }

        Rt(String name, String frontEnd, boolean bound, Config config) {
            super(name);
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
        String ownSource() {
            return "rtmalloc stats()";
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

    /**
     * glibc's malloc, directly (libc_ffm, libc_ffm_critical) or under the JDK
     * (arena segments and direct byte buffers are malloc'ed by the JVM); its own
     * account is {@code mallinfo2()}, which covers the whole process.
     */
    static final class Glibc extends Heap {
        private final boolean shared;

        Glibc(String name, boolean shared) {
            super(name);
            this.shared = shared;
        }

        @Override
        Blocks blocks(int n) {
            return switch (name) {
                case "libc_ffm" -> new Blocks.Libc(n);
                case "libc_ffm_critical" -> new Blocks.LibcCritical(n);
                case "bytebuffer_direct" -> new Blocks.DirectByteBuffers(n);
                default -> new Blocks.Arenas(shared, n);
            };
        }

        @Override
        long[] own() {
            return new long[] {Libc.mallinfoMapped(), -1};
        }

        @Override
        String ownSource() {
            return "glibc mallinfo2() arena+hblkhd, whole process";
        }
    }

    /** tcmalloc, jemalloc or mimalloc through FFM. */
    static final class Native extends Heap {
        private final Natives.Lib lib;

        Native(String name, Natives.Lib lib) {
            super(name);
            this.lib = lib;
        }

        @Override
        Blocks blocks(int n) {
            return switch (lib) {
                case TCMALLOC -> new Blocks.Tcmalloc(n);
                case JEMALLOC -> new Blocks.Jemalloc(n);
                case MIMALLOC -> new Blocks.Mimalloc(n);
            };
        }

        @Override
        long[] own() {
            return switch (lib) {
                case TCMALLOC -> Natives.Tcmalloc.footprint();
                case JEMALLOC -> Natives.Jemalloc.footprint();
                case MIMALLOC -> null;
            };
        }

        @Override
        String ownSource() {
            return switch (lib) {
                case TCMALLOC -> "tcmalloc generic.heap_size - pageheap_unmapped_bytes";
                case JEMALLOC -> "jemalloc stats.mapped, stats.resident";
                case MIMALLOC -> "";
            };
        }
    }

    /** A Netty allocator of direct buffers. */
    static final class Netty extends Heap {
        final ByteBufAllocator alloc;

        Netty(String name, ByteBufAllocator alloc) {
            super(name);
            this.alloc = alloc;
        }

        @Override
        Blocks blocks(int n) {
            return new Blocks.Netty(alloc, n);
        }

        @Override
        long[] own() {
            long used = ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory();
            return new long[] {used, -1};
        }

        @Override
        String ownSource() {
            return "Netty metric().usedDirectMemory()";
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
