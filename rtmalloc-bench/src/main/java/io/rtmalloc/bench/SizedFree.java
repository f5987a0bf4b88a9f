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
 * sized_free: single_alloc_dealloc with a sized free, for the allocators that
 * have one: rtmalloc's {@code free(address, size)}, tcmalloc's
 * {@code tc_free_sized}, jemalloc's {@code sdallocx} and mimalloc's
 * {@code mi_free_size} (each through critical downcalls).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class SizedFree {

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm"})
    public String allocator;

    @Param({"8", "64", "256", "1024", "4096"})
    public long size;

    private Heap heap;
    private Blocks.Addresses blocks;

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
        blocks = (Blocks.Addresses) heap.blocks(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    public long sized_free() {
        return blocks.pairSized(size);
    }
}
