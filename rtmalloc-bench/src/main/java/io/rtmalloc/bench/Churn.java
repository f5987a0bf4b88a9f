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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * churn: a live window of 4096 blocks of {@code size} bytes; one operation
 * frees the block at a random slot and allocates a new one there, so blocks are
 * freed in an order unrelated to their allocation. The window is filled before
 * each iteration and emptied after it, outside the measurement; just before it
 * is emptied, the {@link Footprint} is sampled.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class Churn {

    static final int WINDOW = 4096;
    private static final int SEQUENCE = 1 << 16;

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined"})
    public String allocator;

    @Param({"32", "256", "2048"})
    public long size;

    private Heap heap;
    private Blocks blocks;
    private Footprint footprint;
    /** Random slots, the same sequence for every allocator. */
    private final int[] slots = new int[SEQUENCE];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < SEQUENCE; i++) {
            slots[i] = rnd.nextInt(WINDOW);
        }
        heap = Heap.create(allocator);
        blocks = heap.blocks(WINDOW);
        footprint = new Footprint(heap);
    }

    @Setup(Level.Iteration)
    public void fill() {
        for (int i = 0; i < WINDOW; i++) {
            blocks.alloc(i, size);
        }
    }

    @TearDown(Level.Iteration)
    public void empty() {
        footprint.sample(blocks, slot -> size);
        blocks.freeAll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    public long churn() {
        int s = slots[next];
        next = (next + 1) & (SEQUENCE - 1);
        Blocks b = blocks;
        b.free(s);
        return b.alloc(s, size);
    }
}
