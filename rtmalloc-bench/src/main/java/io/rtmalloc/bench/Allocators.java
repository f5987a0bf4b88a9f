package io.rtmalloc.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Every allocator the benchmarks compare, by the name the workloads' {@code allocator}
 * parameter gives it (the constant's name in lower case), in the order tables and
 * charts list them: its {@link Heap} where the address workloads drive it, the colour
 * of its bars, whether the quick profile runs it, what its own account of the memory
 * it holds reads, and the native library it needs.
 *
 * <p>JMH wants each workload's {@code @Param} values as constants in the annotation;
 * a test checks that every value there is a name here.
 */
enum Allocators {
    RTMALLOC_GLOBAL(0x9ecae1, true, () -> new Heap.Rt("global", false), Heap.Rt.SOURCE),
    RTMALLOC_THREADCACHE(0x4292c6, true, () -> new Heap.Rt("threadcache", false), Heap.Rt.SOURCE),
    RTMALLOC_THREADCACHE_BOUND(0x08306b, true, () -> new Heap.Rt("threadcache", true), Heap.Rt.SOURCE),
    RTMALLOC_PERCPU(0x31a354, true, () -> new Heap.Rt("percpu", false), Heap.Rt.SOURCE),
    /** rtmalloc's arena without zeroing, and its shared arena (segment workloads only). */
    RTMALLOC_THREADCACHE_UNZEROED(0x6baed6, false, null, null),
    RTMALLOC_THREADCACHE_SHARED(0xc6dbef, false, null, null),
    LIBC_FFM(0x525252, true, () -> new Heap.Malloc(Natives.Libc::new, Natives::glibcFootprint), Heap.GLIBC),
    LIBC_FFM_CRITICAL(0xa0a0a0, false, () -> new Heap.Malloc(Natives.LibcCritical::new, Natives::glibcFootprint),
            Heap.GLIBC),
    TCMALLOC_FFM(0xd62728, true, () -> new Heap.Malloc(Natives.Tcmalloc::new, Natives::tcmallocFootprint),
            "tcmalloc generic.heap_size - pageheap_unmapped_bytes", Natives.Lib.TCMALLOC),
    JEMALLOC_FFM(0xff7f0e, true, () -> new Heap.Malloc(Natives.Jemalloc::new, Natives::jemallocFootprint),
            "jemalloc stats.mapped, stats.resident", Natives.Lib.JEMALLOC),
    MIMALLOC_FFM(0xbcbd22, true, () -> new Heap.Malloc(Natives.Mimalloc::new, () -> null), null,
            Natives.Lib.MIMALLOC),
    NETTY_POOLED(0x9467bd, true, () -> new Heap.Netty(new PooledByteBufAllocator(true)), Heap.Netty.SOURCE),
    /**
     * As {@code io.netty.allocator.useCacheForAllThreads=true}: thread caches for every thread,
     * given to this allocator's constructor so that it holds whatever Netty read first.
     */
    NETTY_POOLED_CACHE_ALL(0xc5b0d5, false, () -> new Heap.Netty(new PooledByteBufAllocator(true,
            PooledByteBufAllocator.defaultNumHeapArena(), PooledByteBufAllocator.defaultNumDirectArena(),
            PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
            PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(),
            true)), Heap.Netty.SOURCE),
    NETTY_ADAPTIVE(0x8c564b, true, () -> new Heap.Netty(new AdaptiveByteBufAllocator(true)), Heap.Netty.SOURCE),
    /** The JDK's arenas and direct buffers: malloc'ed by the JVM, hence glibc's account. */
    ARENA_CONFINED(0xe377c2, true, () -> new Heap.Jdk(Blocks.Arenas::confined), Heap.GLIBC),
    ARENA_SHARED(0xf7b6d2, true, () -> new Heap.Jdk(Blocks.Arenas::shared), Heap.GLIBC),
    BYTEBUFFER_DIRECT(0x17becf, false, () -> new Heap.Jdk(Blocks.DirectByteBuffers::new), Heap.GLIBC),
    /** Apache Arrow's allocation managers: rtmalloc's (two front ends), Arrow's own two. */
    RTMALLOC_ARROW(0x4292c6, true, null, null),
    RTMALLOC_ARROW_PERCPU(0x31a354, false, null, null),
    ARROW_UNSAFE(0x525252, true, null, null),
    ARROW_NETTY(0x9467bd, true, null, null),
    /** rtmalloc's Netty ByteBufAllocator (two front ends); Netty's own are above. */
    RTMALLOC_NETTY(0x4292c6, true, null, null),
    RTMALLOC_NETTY_PERCPU(0x31a354, false, null, null);

    /** The name of the parameter value and of the table row. */
    final String id = name().toLowerCase(Locale.ROOT);
    /** The colour of its bars in the charts (RGB). */
    final int colour;
    /** Whether the quick profile runs it (workloads marked to run every allocator run all). */
    final boolean quick;
    private final Supplier<Heap> heap;
    /** What its own account of the memory it holds reads, for the footprint table; null: none. */
    final String footprintSource;
    /** The shared library it needs, or null. */
    final Natives.Lib library;

    Allocators(int colour, boolean quick, Supplier<Heap> heap, String footprintSource) {
        this(colour, quick, heap, footprintSource, null);
    }

    Allocators(int colour, boolean quick, Supplier<Heap> heap, String footprintSource, Natives.Lib library) {
        this.colour = colour;
        this.quick = quick;
        this.heap = heap;
        this.footprintSource = footprintSource;
        this.library = library;
    }

    /** A new instance of the allocator as the address workloads drive it. */
    Heap heap() {
        if (heap == null) {
            throw new IllegalArgumentException(id + " is not driven through Blocks (only by its own workloads)");
        }
        return heap.get();
    }

    static Allocators of(String id) {
        for (Allocators a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown allocator " + id + "; known: "
                + Arrays.stream(values()).map(a -> a.id).toList());
    }

    /** The registry's order of a table row: allocators first, in declaration order, then anything else. */
    static int rank(String id) {
        for (Allocators a : values()) {
            if (a.id.equals(id)) {
                return a.ordinal();
            }
        }
        return values().length;
    }
}
