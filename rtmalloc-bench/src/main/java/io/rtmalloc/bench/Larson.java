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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * larson (a server's allocation pattern, after Larson and Krishnan, "Memory
 * allocation for long-running server applications", ISMM 1998, and the
 * "larson" of mimalloc-bench): {@code threads} arrays of {@code blocks}
 * blocks each, of random sizes from {@code minSize} to {@code maxSize} bytes.
 * One operation is a round: {@code threads} fresh platform threads start, each
 * takes one array over and replaces {@code replacements} of its blocks chosen
 * at random (a free, then a {@code malloc} of a new random size, whose first
 * two bytes it writes, reading the first back, as the published benchmark
 * does: a server writes into what it allocates), and ends;
 * the next round's threads take the arrays over. So nearly every free is of a
 * block another thread allocated, and a thread's life is one round: the cost
 * of making and retiring a thread's cache is in the score, as in a server that
 * hands connections to short-lived threads.
 *
 * <p>The score is the time of a round; the throughput is
 * {@code threads * replacements} replacements per round. The random sizes and
 * slots come from a generator seeded by the round and the array, so every
 * allocator sees the same sequence. The JDK's peer is {@code arena_shared}: a
 * confined arena cannot free from another thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class Larson {

    /** All of memory, to write into every block whatever its allocator (a static final: plain loads and stores). */
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_shared"})
    public String allocator;

    /** Arrays, and threads in a round. */
    @Param({"4"})
    public int threads;

    /** Blocks per array. */
    @Param({"1000"})
    public int blocks;

    /** Replacements per thread in a round. */
    @Param({"10000"})
    public int replacements;

    @Param({"8"})
    public int minSize;

    @Param({"1000"})
    public int maxSize;

    private Heap heap;
    private Blocks[] arrays;
    private long round;

    @Setup(Level.Trial)
    public void setUp() {
        if (threads < 1 || blocks < 1 || replacements < 0 || minSize < 1 || maxSize < minSize) {
            throw new IllegalArgumentException("larson: threads, blocks, minSize >= 1, replacements >= 0, maxSize >= minSize");
        }
        heap = Heap.create(allocator);
        arrays = new Blocks[threads];
        for (int t = 0; t < threads; t++) {
            Blocks b = heap.blocks(blocks);
            long x = seed(-1, t);
            for (int i = 0; i < blocks; i++) {
                x = next(x);
                b.alloc(i, size(x));
            }
            arrays[t] = b;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Blocks b : arrays) {
            b.freeAll();
        }
        heap.close();
    }

    @Benchmark
    public long larson() throws InterruptedException {
        long r = round++;
        Thread[] workers = new Thread[threads];
        long[] sums = new long[threads];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = Thread.ofPlatform().start(() -> {
                try {
                    sums[id] = replace(arrays[id], seed(r, id));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        long sum = 0;
        for (int t = 0; t < threads; t++) {
            workers[t].join(); // also makes the arrays' new blocks visible to the next round's threads
            sum += sums[t];
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a larson thread failed", failure.get());
        }
        return sum;
    }

    /** A thread's round: {@link #replacements} random blocks of {@code b} freed and allocated anew. */
    private long replace(Blocks b, long x) {
        long sum = 0;
        int n = blocks;
        for (int k = replacements; k > 0; k--) {
            x = next(x);
            int slot = (int) ((x >>> 33) % n);
            b.free(slot);
            sum += b.alloc(slot, size(x));
            sum += write(b.address(slot));
        }
        return sum;
    }

    /** Writes the first two bytes of a new block and reads the first back. */
    private static byte write(long block) {
        MEMORY.set(ValueLayout.JAVA_BYTE, block, (byte) 'a');
        byte first = MEMORY.get(ValueLayout.JAVA_BYTE, block);
        MEMORY.set(ValueLayout.JAVA_BYTE, block + 1, (byte) 'b');
        return first;
    }

    private long size(long x) {
        return minSize + (x & 0x7fffffffL) % (maxSize - minSize + 1);
    }

    private static long seed(long round, int array) {
        return (round * 0x9E3779B97F4A7C15L) ^ ((array + 1) * 0xC2B2AE3D27D4EB4FL) | 1;
    }

    /** xorshift64: cheap, and the same sequence for every allocator. */
    private static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }
}
