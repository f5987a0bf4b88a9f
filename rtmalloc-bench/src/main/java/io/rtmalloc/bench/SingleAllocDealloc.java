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
 * single_alloc_dealloc: one operation is a {@code malloc} of {@code size}
 * bytes followed by the {@code free} of that block, on one thread, so every
 * allocator serves the block it has just taken back: the cost of the calls
 * themselves, the best case of every allocator.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class SingleAllocDealloc {

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined", "bytebuffer_direct"})
    public String allocator;

    @Param({"8", "64", "256", "1024", "4096", "65536"})
    public long size;

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
    public long single_alloc_dealloc() {
        return blocks.pair(size);
    }
}
