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
 * mixed_sizes: a live set of 10,000 blocks of random sizes; one operation frees
 * the block at a random slot and allocates one of a new random size there.
 * With {@code maxSize} 1024 the sizes are uniform in 16..1024; with 65536 they
 * are log-uniform in 16..65536 (each doubling of size as likely as the next, so
 * that small blocks outnumber large ones as in real programs, and the live set
 * stays near 80 MB). The sequences are the same for every allocator. The set
 * is filled before each iteration and emptied after it, outside the
 * measurement; just before it is emptied, the {@link Footprint} is sampled.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class MixedSizes {

    static final int LIVE = 10_000;
    static final long MIN_SIZE = 16;
    private static final int SEQUENCE = 1 << 16;

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined"})
    public String allocator;

    @Param({"1024", "65536"})
    public long maxSize;

    private Heap heap;
    private Blocks blocks;
    private Footprint footprint;
    private final int[] slots = new int[SEQUENCE];
    private final long[] sizes = new long[SEQUENCE];
    private final long[] firstSizes = new long[LIVE];
    private final long[] liveSizes = new long[LIVE];
    private int next;

    private long randomSize(SplittableRandom rnd) {
        if (maxSize <= 1024) {
            return rnd.nextLong(MIN_SIZE, maxSize + 1);
        }
        double doublings = Math.log((double) maxSize / MIN_SIZE) / Math.log(2);
        long s = Math.round(MIN_SIZE * Math.pow(2, rnd.nextDouble() * doublings));
        return Math.clamp(s, MIN_SIZE, maxSize);
    }

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < LIVE; i++) {
            firstSizes[i] = randomSize(rnd);
        }
        for (int i = 0; i < SEQUENCE; i++) {
            slots[i] = rnd.nextInt(LIVE);
            sizes[i] = randomSize(rnd);
        }
        heap = Heap.create(allocator);
        blocks = heap.blocks(LIVE);
        footprint = new Footprint(heap);
    }

    @Setup(Level.Iteration)
    public void fill() {
        for (int i = 0; i < LIVE; i++) {
            liveSizes[i] = firstSizes[i];
            blocks.alloc(i, firstSizes[i]);
        }
    }

    @TearDown(Level.Iteration)
    public void empty() {
        footprint.sample(blocks, slot -> liveSizes[slot]);
        blocks.freeAll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    public long mixed_sizes() {
        int k = next;
        next = (k + 1) & (SEQUENCE - 1);
        int s = slots[k];
        long size = sizes[k];
        Blocks b = blocks;
        b.free(s);
        liveSizes[s] = size;
        return b.alloc(s, size);
    }
}
