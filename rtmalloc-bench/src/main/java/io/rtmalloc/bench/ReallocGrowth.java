package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * realloc_growth: one operation grows a buffer the way a growing array or
 * string builder does: {@code malloc(8)}, then {@code realloc} to twice the
 * size until 64 KiB and once more to 80 KiB (14 resizes, each keeping the
 * contents), then {@code free}. The score is per whole growth.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ReallocGrowth {

    static final long FIRST = 8;
    static final long LAST = 80 * 1024;

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined"})
    public String allocator;

    private Heap heap;
    private Blocks blocks;

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
        blocks = heap.blocks(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    public long realloc_growth() {
        Blocks b = blocks;
        long r = b.alloc(0, FIRST);
        for (long size = FIRST; size < LAST; ) {
            long next = Math.min(size * 2, LAST);
            r += b.realloc(0, size, next);
            size = next;
        }
        b.free(0);
        return r;
    }
}
