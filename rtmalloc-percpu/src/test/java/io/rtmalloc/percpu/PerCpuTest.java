package io.rtmalloc.percpu;

import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CpuCaches;
import io.rtmalloc.spi.CurrentCpu;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerCpuTest {

    static PerCpuStack allocator(Config config) {
        return new PerCpuStack(config);
    }

    static PerCpuStack allocator() {
        return allocator(Config.defaults());
    }

    static void assertBalanced(PerCpuStack a) {
        a.checkInvariants();
        AllocatorStats st = a.stats();
        assertEquals(0, st.bytesInUse(), () -> "bytes still in use:\n" + st);
    }

    /** The bound, whatever the number of threads: per CPU, the per-CPU budget plus a quarter of it per further slot. */
    static long bound(PerCpuStack a) {
        int cpus = Integer.highestOneBit(CpuCaches.possibleCpus() * 2 - 1);
        assertEquals(CpuCaches.SLOTS * cpus, a.caches().cacheCount());
        long bound = cpus * (a.config().perCpuCacheSize() + (CpuCaches.SLOTS - 1) * (a.config().perCpuCacheSize() / 4));
        assertEquals(bound, a.caches().bound());
        return bound;
    }

    @Test
    void currentCpu_isAValidCpuNumber_fromTheCheapestSourceHere() {
        int cpus = CpuCaches.possibleCpus();
        for (int i = 0; i < 1000; i++) {
            int cpu = CurrentCpu.get();
            assertTrue(cpu >= 0, "cpu " + cpu);
            if (CurrentCpu.SOURCE != CurrentCpu.Source.STRIPE) {
                assertTrue(cpu < cpus, "cpu " + cpu + " of " + cpus);
            }
        }
        if (CurrentCpu.rseqAvailable()) {
            assertEquals(CurrentCpu.Source.RSEQ, CurrentCpu.SOURCE, "rseq is registered: it is preferred");
            // Without pinning, a migration may fall between the two reads; most pairs agree.
            int agree = 0;
            for (int i = 0; i < 1000; i++) {
                if (CurrentCpu.rseq() == CurrentCpu.schedGetcpu()) {
                    agree++;
                }
            }
            assertTrue(agree > 900, "rseq agreed with sched_getcpu " + agree + " times in 1000");
        }
    }

    /**
     * The CPU number a platform thread reads through its cached thread
     * pointer (after its first call), and a virtual thread through the
     * downcall on its current carrier, agree with {@code sched_getcpu()}
     * (without pinning, a migration may fall between the two reads).
     */
    @Test
    void currentCpu_agreesWithTheKernel_onPlatformAndVirtualThreads() throws Exception {
        assertTrue(CurrentCpu.schedGetcpuAvailable(), "this suite runs on Linux with glibc");
        int[] agree = new int[6];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int id = t;
            Runnable reads = () -> {
                for (int i = 0; i < 1000; i++) {
                    if (CurrentCpu.get() == CurrentCpu.schedGetcpu()) {
                        agree[id]++;
                    }
                    if (i % 100 == 0) {
                        Thread.yield(); // a virtual thread may go on on another carrier
                    }
                }
            };
            threads.add(t < 3 ? Thread.ofPlatform().start(reads) : Thread.ofVirtual().start(reads));
        }
        for (Thread t : threads) {
            t.join();
        }
        for (int t = 0; t < 6; t++) {
            assertTrue(agree[t] > 900, (t < 3 ? "platform" : "virtual") + " thread " + t + " agreed " + agree[t]
                    + " times in 1000");
        }
    }

    @Test
    void maxCapacities_giveNoClassMoreThanAnEighthOfTheBudget() {
        for (long budget : new long[] {Config.DEFAULT_PER_CPU_CACHE_SIZE, 64 * 1024, 8 * 1024 * 1024}) {
            Config c = Config.defaults().toBuilder().perCpuCacheSize(budget).build();
            SizeClasses classes = c.sizeClasses();
            int[] cap = CpuCaches.maxCapacities(c, classes);
            for (int cl = 1; cl <= classes.count(); cl++) {
                assertTrue(cap[cl] >= 0 && cap[cl] <= c.maxFreeListLength());
                assertTrue((long) cap[cl] * classes.size(cl) <= budget / 8, "class " + cl);
            }
            assertTrue(cap[1] > 0, "the smallest class is cached");
        }
    }

    /**
     * Capacities start at 0, grow for the classes that miss, and move between
     * classes within the CPU's budget: with a 64 KiB budget, a thread that
     * holds many blocks of one class after another never makes a CPU cache
     * claim more than the budget, and each class in turn gets room.
     */
    @Test
    void dynamicCapacities_followTheClassesInUse_withinTheBudget() {
        long budget = 64 * 1024;
        PerCpuStack a = new PerCpuStack(Config.defaults().toBuilder().perCpuCacheSize(budget).build());
        CpuCaches caches = a.caches();
        for (int i = 0; i < caches.cacheCount(); i++) {
            assertEquals(0, caches.capacityBytes(i), "no capacity before any call");
        }
        long[] sizes = {64, 256, 1024, 4096};
        for (int round = 0; round < 3; round++) {
            for (long size : sizes) {
                List<Long> held = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    held.add(a.malloc(size));
                }
                held.forEach(a::free);
                a.checkInvariants(); // includes: capacities add up to at most the budget, lengths within them
                long claimed = 0;
                for (int i = 0; i < caches.cacheCount(); i++) {
                    assertTrue(caches.capacityBytes(i) <= budget, "cpu " + i + ": " + caches.capacityBytes(i));
                    claimed += caches.capacityBytes(i);
                }
                assertTrue(claimed > 0, "the classes in use got capacity");
                assertTrue(a.stats().frontEndCacheBytes() <= bound(a));
            }
        }
        a.releaseFreeMemory();
        for (int i = 0; i < caches.cacheCount(); i++) {
            assertEquals(0, caches.capacityBytes(i), "release gives every capacity up");
        }
        assertBalanced(a);
    }

    @Test
    void singleThread_reusesItsCpusBlocks() {
        PerCpuStack a = allocator();
        long p = a.malloc(64);
        a.free(p);
        // Unless the thread migrated in between, the block comes straight back.
        int same = 0;
        for (int i = 0; i < 100; i++) {
            long q = a.malloc(64);
            if (q == p) {
                same++;
            }
            a.free(q);
            p = q;
        }
        assertTrue(same > 50, "reused " + same + " times in 100");
        a.releaseFreeMemory();
        assertEquals(0, a.stats().frontEndCacheBytes(), "release drained the CPU caches");
        assertBalanced(a);
    }

    /**
     * A thread preempted while it holds its CPU's first cache: the others take
     * the CPU's next caches, and try the one they won first from then on,
     * rather than failing a CAS on the held one at every call; after a miss
     * in that cache (or a drain) they try the first one again.
     */
    @Test
    void heldFirstCache_sendsCallsToTheNext_untilAMissThere() {
        PerCpuStack a = allocator();
        CpuCaches caches = a.caches();
        int cpus = caches.cacheCount() / CpuCaches.SLOTS;
        SizeClasses classes = a.config().sizeClasses();
        caches.whileHeld(0, () -> {
            for (int i = 0; i < 1_000; i++) {
                a.free(a.malloc(64));
            }
        });
        long inNext = 0;
        int moved = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            assertEquals(0, caches.capacityBytes(cpu * CpuCaches.SLOTS), "the held first cache took no block");
            for (int k = 1; k < CpuCaches.SLOTS; k++) {
                inNext += caches.capacityBytes(cpu * CpuCaches.SLOTS + k);
            }
            if (caches.triedFirst(cpu) != 0) {
                moved++;
            }
        }
        assertTrue(inNext > 0, "the calls were served by the CPUs' next caches");
        assertTrue(moved > 0, "a CPU tries the cache the thread won first");
        // A miss in the next cache (a class it has never held) sends the threads back to the
        // first, unless the thread migrated between the miss and the check: try a few classes.
        boolean back = false;
        List<Long> blocks = new ArrayList<>();
        for (int cl = classes.classOf(128); cl <= classes.count() && !back; cl++) {
            if (a.capacity(cl) == 0) {
                continue;
            }
            int cpu = CurrentCpu.get();
            int before = caches.triedFirst(cpu);
            blocks.add(a.malloc(classes.size(cl)));
            back = before != 0 && CurrentCpu.get() == cpu && caches.triedFirst(cpu) == 0;
        }
        assertTrue(back, "a miss in a CPU's next cache made its first the one tried first");
        blocks.forEach(a::free);
        a.releaseFreeMemory();
        for (int cpu = 0; cpu < cpus; cpu++) {
            assertEquals(0, caches.triedFirst(cpu), "after the release every CPU tries its first cache first");
        }
        assertBalanced(a);
    }

    @Test
    void uncachedClass_goesToTheTransferCache() {
        PerCpuStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int largest = classes.count();
        assertEquals(0, a.capacity(largest), "a 256 KiB block is larger than a class's share");
        long p = a.malloc(classes.size(largest));
        a.free(p);
        assertEquals(0, a.stats().frontEndCacheBytes());
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thousandPlatformThreads_keepCachesBounded_andGiveEveryBlockBack() throws Exception {
        PerCpuStack a = allocator();
        int threads = 1000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong failures = new AtomicLong();
        ConcurrentLinkedQueue<Long> handoff = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                Random rnd = new Random(id);
                try {
                    start.await();
                    long[] held = new long[32];
                    for (int round = 0; round < 20; round++) {
                        for (int i = 0; i < held.length; i++) {
                            held[i] = a.malloc(8 + rnd.nextInt(3000));
                            NativeMemory.putLong(held[i], id * 1000L + i);
                        }
                        for (int i = 0; i < held.length; i++) {
                            if (NativeMemory.getLong(held[i]) != id * 1000L + i) {
                                failures.incrementAndGet();
                            }
                            if (i % 4 == 0) {
                                handoff.add(held[i]); // freed by another thread, maybe on another CPU
                            } else {
                                a.free(held[i]);
                            }
                        }
                        for (int k = 0; k < 8; k++) {
                            Long q = handoff.poll();
                            if (q == null) {
                                break;
                            }
                            a.free(q);
                        }
                    }
                } catch (Throwable e) {
                    failures.incrementAndGet();
                }
            }));
        }
        start.countDown();
        long maxCached = 0;
        while (workers.stream().anyMatch(Thread::isAlive)) {
            maxCached = Math.max(maxCached, a.stats().frontEndCacheBytes());
            Thread.sleep(5);
        }
        for (Thread w : workers) {
            w.join();
        }
        for (Long q; (q = handoff.poll()) != null; ) {
            a.free(q);
        }
        assertEquals(0, failures.get());
        assertTrue(maxCached <= bound(a), "CPU caches held " + maxCached + " > " + bound(a));
        assertTrue(a.stats().frontEndCacheBytes() <= bound(a));
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void hundredThousandVirtualThreads_keepCachesBounded_andGiveEveryBlockBack() throws Exception {
        PerCpuStack a = allocator();
        AtomicLong failures = new AtomicLong();
        ConcurrentLinkedQueue<Long> handoff = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong maxCached = new AtomicLong();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                maxCached.accumulateAndGet(a.stats().frontEndCacheBytes(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100_000; i++) {
                int id = i;
                pool.submit(() -> {
                    try {
                        long p = a.malloc(8 + id % 2000);
                        long q = a.malloc(64);
                        NativeMemory.putLong(p, id);
                        Thread.yield(); // the virtual thread may come back on another carrier and CPU
                        if (NativeMemory.getLong(p) != id) {
                            failures.incrementAndGet();
                        }
                        a.free(p);
                        handoff.add(q);
                        Long other = handoff.poll();
                        if (other != null) {
                            a.free(other, 64);
                        }
                    } catch (Throwable e) {
                        failures.incrementAndGet();
                    }
                });
            }
        }
        done.set(true);
        watcher.join();
        for (Long q; (q = handoff.poll()) != null; ) {
            a.free(q);
        }
        assertEquals(0, failures.get());
        assertTrue(maxCached.get() <= bound(a), "CPU caches held " + maxCached.get() + " > " + bound(a));
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void drainFromAnotherThread_whileAllocating_isSafe() throws Exception {
        PerCpuStack a = allocator();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                Random rnd = new Random(id);
                long[] held = new long[64];
                try {
                    for (int round = 0; round < 3000 && !stop.get(); round++) {
                        for (int i = 0; i < held.length; i++) {
                            held[i] = a.malloc(16 + rnd.nextInt(1000));
                            NativeMemory.putLong(held[i], round * 64L + i);
                        }
                        for (int i = 0; i < held.length; i++) {
                            if (NativeMemory.getLong(held[i]) != round * 64L + i) {
                                failures.incrementAndGet();
                            }
                            a.free(held[i]);
                        }
                    }
                } catch (Throwable e) {
                    failures.incrementAndGet();
                }
            }));
        }
        for (int i = 0; i < 200 && workers.stream().anyMatch(Thread::isAlive); i++) {
            a.releaseFreeMemory(); // drains every CPU cache through its owner word
        }
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(0, failures.get());
        a.releaseFreeMemory();
        assertEquals(0, a.stats().frontEndCacheBytes());
        assertBalanced(a);
    }
}
