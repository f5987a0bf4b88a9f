package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * batch_1000: 1000 allocations of {@code size} bytes, then the 1000 frees, in
 * allocation order; the score is per malloc+free pair. Unlike
 * {@link SingleAllocDealloc} the allocator must hold 1000 blocks at once, so
 * caches have to refill and flush.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class Batch1000 {

    static final int N = 1000;

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined"})
    public String allocator;

    @Param({"8", "64", "512", "4096"})
    public long size;

    private Heap heap;
    private Blocks blocks;

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
        blocks = heap.blocks(N);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long batch_1000() {
        Blocks b = blocks;
        long size = this.size;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += b.alloc(i, size);
        }
        for (int i = 0; i < N; i++) {
            b.free(i);
        }
        return sum;
    }
}
