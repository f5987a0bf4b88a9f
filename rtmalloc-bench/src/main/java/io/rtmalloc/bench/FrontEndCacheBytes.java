package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Bytes held in a front end's caches as the thread count grows (a footprint,
 * not a timing, so not a JMH benchmark): with N live platform threads that
 * each made 4,000 malloc/free of 8 to 1007 bytes (64 held at a time) and then
 * wait, and after 10,000 virtual threads of 256 such calls with a yield
 * halfway. Reads {@code stats().frontEndCacheBytes()}.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp rtmalloc-bench/target/benchmarks.jar \
 *       io.rtmalloc.bench.FrontEndCacheBytes threadcache percpu
 * </pre>
 */
public final class FrontEndCacheBytes {

    private FrontEndCacheBytes() {
    }

    public static void main(String[] args) throws Exception {
        for (String frontEnd : args.length == 0 ? new String[] {"threadcache", "percpu"} : args) {
            for (int threads : new int[] {4, 64, 256, 1024, 4096}) {
                try (Allocator a = RtMalloc.builder().frontEnd(frontEnd).build()) {
                    System.out.printf("%s, %d platform threads: %.1f MiB in front-end caches%n", frontEnd, threads,
                            platformThreads(a, threads) / 1048576.0);
                }
            }
            try (Allocator a = RtMalloc.builder().frontEnd(frontEnd).build()) {
                try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int t = 0; t < 10_000; t++) {
                        int id = t;
                        virtual.submit(() -> churn(a, id, 256));
                    }
                }
                System.out.printf("%s, after 10,000 virtual threads: %.2f MiB in front-end caches%n", frontEnd,
                        a.stats().frontEndCacheBytes() / 1048576.0);
            }
        }
    }

    /** Bytes cached once {@code n} live threads have each churned and wait. */
    private static long platformThreads(Allocator a, int n) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                churn(a, id, 4000);
                done.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        done.await();
        long bytes = a.stats().frontEndCacheBytes();
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return bytes;
    }

    /** {@code calls} malloc/free of 8 to 1007 bytes, 64 blocks held at a time, all freed at the end. */
    private static void churn(Allocator a, int seed, int calls) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] held = new long[64];
        for (int i = 0; i < calls; i++) {
            int slot = i & 63;
            if (held[slot] != 0) {
                a.free(held[slot]);
            }
            held[slot] = a.malloc(8 + random.nextInt(1000));
            if (i == calls / 2 && Thread.currentThread().isVirtual()) {
                Thread.yield();
            }
        }
        for (long p : held) {
            if (p != 0) {
                a.free(p);
            }
        }
    }
}
