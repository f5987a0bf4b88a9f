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

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * virtual_threads: one operation starts 10,000 virtual threads and waits for
 * them; each does {@code pairs} malloc+free pairs of 64 to 964 bytes in two
 * rounds, holding half of them at once, with a yield in between (so it may
 * resume on another carrier thread and CPU). With 16 pairs the cost of starting
 * the threads dominates; with 256 the allocator's does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class VirtualThreads {

    static final int THREADS = 10_000;

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined"})
    public String allocator;

    @Param({"16", "256"})
    public int pairs;

    private Heap heap;

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    private static void work(Heap heap, int id, int pairs) {
        Blocks b = heap.blocks(pairs / 2);
        int n = pairs / 2;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < n; i++) {
                b.alloc(i, 64 + ((id + i) & 15) * 60);
            }
            if (round == 0) {
                Thread.yield();
            }
            for (int i = 0; i < n; i++) {
                b.free(i);
            }
        }
    }

    @Benchmark
    public long virtual_threads() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(THREADS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Heap h = heap;
        int p = pairs;
        for (int i = 0; i < THREADS; i++) {
            int id = i;
            Thread.ofVirtual().start(() -> {
                try {
                    work(h, id, p);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException("a virtual thread failed", failure.get());
        }
        return done.getCount();
    }
}
