package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One operation: 10,000 virtual threads, each doing {@code pairs} malloc+free
 * pairs of 64 to 1024 bytes in two rounds with a yield in between (so it may
 * resume on another carrier and CPU), started and joined. With 16 pairs the
 * cost of starting the threads dominates; with 256 the allocator's does. After each iteration the bytes held in
 * front-end caches are printed: the memory price of each front end's speed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class VirtualThreads {

    static final int THREADS = 10_000;

    @Param({"16", "256"})
    public int pairs;

    private long cacheBytes;

    private static void work(Allocator a, int id, int pairs) {
        long[] held = new long[pairs / 2];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < held.length; i++) {
                held[i] = a.malloc(64 + ((id + i) & 15) * 60);
            }
            if (round == 0) {
                Thread.yield();
            }
            for (long p : held) {
                a.free(p);
            }
        }
    }

    private long run(Allocator a) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(THREADS);
        for (int i = 0; i < THREADS; i++) {
            int id = i;
            Thread.ofVirtual().start(() -> {
                try {
                    work(a, id, pairs);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        AllocatorStats st = a.stats();
        cacheBytes = Math.max(cacheBytes, st.frontEndCacheBytes());
        return st.mappedBytes();
    }

    @TearDown(Level.Iteration)
    public void report() {
        System.out.println("  (bytes in front-end caches after the iteration: " + cacheBytes + ")");
        cacheBytes = 0;
    }

    @Benchmark
    public long global(Stacks.Global rt) throws InterruptedException {
        return run(rt.allocator);
    }

    @Benchmark
    public long threadcache(Stacks.SharedThreadCache rt) throws InterruptedException {
        return run(rt.allocator);
    }

    @Benchmark
    public long percpu(Stacks.PerCpu rt) throws InterruptedException {
        return run(rt.allocator);
    }
}
