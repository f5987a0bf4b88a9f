package io.rtmalloc.threadcache;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CpuCaches;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCacheTest {

    static ThreadCacheStack allocator(Config config) {
        return new ThreadCacheStack(config);
    }

    static ThreadCacheStack allocator() {
        return allocator(Config.defaults());
    }

    /**
     * Starts {@code n} platform threads that each run {@code work} and then wait
     * for {@code finish}, and answers them once every one has run it.
     */
    static List<Thread> startHeld(int n, CountDownLatch finish, Runnable work) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(n);
        List<Thread> live = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            live.add(Thread.ofPlatform().start(() -> {
                try {
                    work.run();
                } finally {
                    ran.countDown();
                }
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        ran.await();
        return live;
    }

    static void assertBalanced(ThreadCacheStack a) {
        a.flushThreadCache();
        a.checkInvariants();
        AllocatorStats st = a.stats();
        assertEquals(0, st.bytesInUse(), () -> "bytes still in use:\n" + st);
    }

    @Test
    void maxLength_jumpsTo4KiBOfBlocks_thenGrowsByOneToABatch_thenByBatches() {
        ThreadCacheStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int cl = classes.classOf(1024);
        assertEquals(1024, classes.size(cl));
        int batch = classes.batchSize(cl);
        assertTrue(batch > 5, "the test needs a batch of 1 KiB blocks above 4 KiB: " + batch);
        ThreadCache c = a.cache();
        assertEquals(0, c.maxLength(cl), "a class never used holds no share of the budget");
        List<Long> held = new ArrayList<>();
        // The first miss sets the limit to 4 KiB of blocks: 4 of 1 KiB, all fetched at once.
        held.add(a.malloc(1024));
        assertEquals(4, c.maxLength(cl), "after the first miss");
        assertEquals(3, c.length(cl), "the first refill fetched 4 blocks and handed out one");
        // Then every miss (the list empty) lets the limit grow by one while under a batch.
        for (int limit = 5; limit <= batch; limit++) {
            while (c.length(cl) > 0) {
                held.add(a.malloc(1024));
            }
            held.add(a.malloc(1024));
            assertEquals(limit, c.maxLength(cl), "a miss at limit " + (limit - 1));
        }
        // Then by a batch at a time.
        for (int step = 1; step <= 3; step++) {
            while (c.length(cl) > 0) {
                held.add(a.malloc(1024));
            }
            held.add(a.malloc(1024));
            assertEquals(batch + step * batch, c.maxLength(cl));
        }
        held.forEach(a::free);
        assertBalanced(a);
    }

    @Test
    void firstMiss_ofASmallClass_fetchesAWholeBatch() {
        ThreadCacheStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int cl = classes.classOf(64);
        int batch = classes.batchSize(cl);
        assertTrue(batch * 64 <= 4096, "a batch of 64-byte blocks is within 4 KiB: " + batch);
        ThreadCache c = a.cache();
        long first = a.malloc(64);
        assertEquals(batch, c.maxLength(cl));
        assertEquals(batch - 1, c.length(cl), "one trip to the central tier brought the batch");
        // The batch is one run of the span, batch * 64 bytes from its lowest block to its end.
        List<Long> run = new ArrayList<>(List.of(first));
        for (int i = 1; i < batch; i++) {
            run.add(a.malloc(64));
        }
        assertEquals(0, c.length(cl));
        long lo = run.stream().mapToLong(Long::longValue).min().orElseThrow();
        long hi = run.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertEquals((long) (batch - 1) * 64, hi - lo, "the batch's blocks are one run of the span");
        assertEquals(batch, run.stream().distinct().count());
        run.forEach(a::free);
        assertBalanced(a);
    }

    @Test
    void aRefill_writesNoBlock_itsBlocksWaitInTheStash_untilTheListIsEmpty() {
        ThreadCacheStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int cl = classes.classOf(64);
        int batch = classes.batchSize(cl);
        ThreadCache c = a.cache();
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 2 * batch; i++) {
            blocks.add(a.malloc(64));
        }
        blocks.forEach(a::free);
        a.flushThreadCache(); // every block in the transfer cache, which keeps addresses
        // Marks each free block's first word (which a list through the blocks would link):
        // a refill that linked its batch would overwrite them.
        for (long b : blocks) {
            NativeMemory.putLong(b, ~b);
        }
        long first = a.malloc(64);
        assertEquals(batch - 1, c.length(cl), "a batch came");
        assertEquals(0, c.heads[cl], "and waits in the stash: the list stays empty");
        a.checkInvariants();
        List<Long> got = new ArrayList<>(List.of(first));
        for (int i = 1; i < batch; i++) {
            got.add(a.malloc(64));
        }
        assertEquals(0, c.length(cl));
        for (long b : got) {
            assertTrue(blocks.contains(b), "from the transfer cache: 0x" + Long.toHexString(b));
            assertEquals(~b, NativeMemory.getLong(b), "the refill wrote into 0x" + Long.toHexString(b));
        }
        // The thread's own frees go on the list, and its pops take them first.
        long mine = got.removeLast();
        a.free(mine);
        assertEquals(mine, c.heads[cl]);
        assertEquals(mine, a.malloc(64));
        got.add(mine);
        got.forEach(a::free);
        assertBalanced(a);
    }

    @Test
    void theStash_goesOnItsList_atTheNextSlowPath_ofAnotherClass_orOfAFree() {
        ThreadCacheStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int small = classes.classOf(64);
        int large = classes.classOf(1024);
        int batch = classes.batchSize(small);
        ThreadCache c = a.cache();
        List<Long> held = new ArrayList<>();
        held.add(a.malloc(64)); // the stash holds batch - 1 blocks of 64 bytes
        assertEquals(0, c.heads[small]);
        held.add(a.malloc(1024)); // another class's refill: the 64-byte blocks go on their list
        assertEquals(batch - 1, c.length(small));
        assertTrue(c.heads[small] != 0, "the stash's blocks are on the list");
        a.checkInvariants(); // walks the list: batch - 1 blocks, as counted
        List<Long> fromList = new ArrayList<>();
        for (int i = 1; i < batch; i++) {
            fromList.add(a.malloc(64));
        }
        assertEquals(0, c.length(small));
        assertEquals(batch - 1, fromList.stream().distinct().count());
        held.addAll(fromList);
        // A stash of 1 KiB blocks, then frees of that class past its limit: the overflow puts the
        // stash on the list before it gives a batch back.
        int lim = c.maxLength(large);
        assertTrue(c.length(large) > 0, "1 KiB blocks wait in the stash");
        for (int i = 0; i <= lim; i++) {
            held.add(a.malloc(1024));
        }
        held.forEach(a::free);
        a.checkInvariants();
        assertTrue(c.length(large) <= c.maxLength(large));
        assertBalanced(a);
    }

    @Test
    void aStashOfBlocksAbove64KiB_passesTheInvariantCheck_whichAsksTheirSpan() {
        // Above 64 KiB the page words hold no multiplier and the page map cannot tell a block's
        // start (the free path asks the span): the check of the stash must ask the span too.
        ThreadCacheStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int cl = classes.count();
        while (classes.batchSize(cl) < 2) {
            cl--;
        }
        int size = classes.size(cl);
        assertTrue(size > HeapIndex.FAST_CHECK_MAX_SIZE, "class " + cl + " of " + size + " bytes");
        ThreadCache c = a.cache();
        List<Long> held = new ArrayList<>();
        held.add(a.malloc(size)); // the first refill: one block (4 KiB of blocks at most)
        held.add(a.malloc(size)); // the second: the limit grew to two, one waits in the stash
        assertEquals(1, c.length(cl));
        assertEquals(0, c.heads[cl], "the block waits in the stash");
        a.checkInvariants();
        held.add(a.malloc(size));
        assertEquals(3, held.stream().distinct().count());
        held.forEach(a::free);
        a.checkInvariants();
        assertBalanced(a);
    }

    @Test
    @Timeout(30)
    void twoThreadsWarmingUpInStep_getBlocksOnCacheLinesOfTheirOwn() throws Exception {
        // Two threads take their first 16-byte blocks in turn, one each between barriers, as
        // threads starting together do. Each first miss fetches a run of the span for its
        // thread alone, so no 64-byte line holds blocks of both (handing out one block a miss,
        // the blocks alternated between the threads, four to a line).
        ThreadCacheStack a = allocator();
        int n = 8;
        long[][] blocks = new long[2][n];
        CyclicBarrier step = new CyclicBarrier(2);
        Thread[] threads = new Thread[2];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch taken = new CountDownLatch(2);
        CountDownLatch checked = new CountDownLatch(1);
        for (int t = 0; t < 2; t++) {
            int me = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        step.await(10, TimeUnit.SECONDS);
                        blocks[me][i] = a.malloc(16);
                    }
                    taken.countDown();
                    checked.await();
                    for (long b : blocks[me]) {
                        a.free(b);
                    }
                    a.flushThreadCache();
                } catch (Throwable e) {
                    failure.set(e);
                    taken.countDown();
                }
            });
        }
        taken.await();
        checked.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        for (long x : blocks[0]) {
            for (long y : blocks[1]) {
                assertTrue(x >>> 6 != y >>> 6, () -> "0x" + Long.toHexString(x) + " and 0x" + Long.toHexString(y)
                        + " of two threads share a cache line");
            }
        }
        assertBalanced(a);
    }

    @Test
    void maxLength_isCapped_andShrinksByABatch_afterMaxOveragesOverflowsInARow() {
        // A share far above what the test holds, so that no scavenge trims the lists.
        Config big = Config.parse("""
                [config]
                thread_cache_size = 1073741824
                min_per_thread_cache = 536870912
                """ + "\n" + classesOf(Config.defaults()), "<test>");
        ThreadCacheStack a = allocator(big);
        SizeClasses classes = big.sizeClasses();
        int cl = classes.classOf(256);
        int batch = classes.batchSize(cl);
        int cap = big.maxFreeListLength();
        ThreadCache c = a.cache();
        List<Long> held = new ArrayList<>();
        for (int i = 0; i < 2 * cap; i++) {
            held.add(a.malloc(256));
        }
        assertEquals(cap, c.maxLength(cl), "misses grow the limit up to max_free_list_length");
        a.flushThreadCache();
        assertEquals(cap, c.maxLength(cl), "a flush leaves the limit alone");
        int overflows = 0;
        int overages = big.maxOverages();
        while (overflows < overages) {
            int before = c.length(cl);
            a.free(held.removeLast());
            if (c.length(cl) < before) { // the push overflowed and a batch went back
                overflows++;
                assertEquals(overflows < overages ? cap : cap - batch, c.maxLength(cl), "after overflow " + overflows);
            }
        }
        // Each overflow came at cap + 1 blocks and gave a batch back; the last one also cut
        // the list to its new limit.
        assertEquals(cap - batch, c.length(cl));
        held.forEach(a::free);
        assertBalanced(a);
    }

    @Test
    void refillsAndFlushes_moveBatches_throughTheTransferCache() {
        ThreadCacheStack a = allocator();
        SizeClasses classes = a.config().sizeClasses();
        int cl = classes.classOf(1024);
        List<Long> held = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            held.add(a.malloc(1000));
        }
        ThreadCache c = a.cache();
        assertTrue(c.length(cl) < classes.batchSize(cl) * 2 + c.maxLength(cl));
        held.forEach(a::free);
        c.checkInvariants();
        assertTrue(c.length(cl) <= c.maxLength(cl), "the list is bounded by its limit");
        assertBalanced(a);
        assertEquals(0, c.length(cl), "flushed");
    }

    @Test
    void cache_overItsShare_scavengesToStayNearIt() {
        Config small = Config.parse("""
                classes = [64, 512, 4096]

                [config]
                thread_cache_size = 262144
                min_per_thread_cache = 131072
                steal_amount = 65536
                """, "<test>");
        ThreadCacheStack a = allocator(small);
        ThreadCache c = a.cache();
        Random rnd = new Random(1);
        ArrayDeque<Long> held = new ArrayDeque<>();
        int[] sizes = {64, 512, 4096};
        long slack = 0;
        for (int cl = 1; cl <= 3; cl++) {
            slack += (long) small.sizeClasses().batchSize(cl) * small.sizeClasses().size(cl);
        }
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 200; i++) {
                held.add(a.malloc(sizes[rnd.nextInt(3)]));
            }
            while (!held.isEmpty()) {
                a.free(held.poll());
                assertTrue(c.bytes() <= c.maxSize + slack, "held " + c.bytes() + " over share " + c.maxSize);
            }
        }
        assertTrue(c.maxSize <= small.threadCacheSize());
        a.budget().checkInvariants();
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void budget_with64Threads_isNeverExceededByMoreThanABatchPerClassPerThread() throws Exception {
        Config config = Config.parse("""
                [config]
                thread_cache_size = 8388608
                min_per_thread_cache = 65536
                steal_amount = 16384
                """ + "\n" + classesOf(Config.defaults()), "<test>");
        ThreadCacheStack a = allocator(config);
        SizeClasses classes = config.sizeClasses();
        long slackPerThread = 0;
        for (int cl = 1; cl <= classes.count(); cl++) {
            slackPerThread += (long) classes.batchSize(cl) * classes.size(cl);
        }
        int threads = 64;
        int rounds = 8;
        CyclicBarrier pause = new CyclicBarrier(threads + 1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                Random rnd = new Random(seed);
                try {
                    for (int r = 0; r < rounds; r++) {
                        ArrayDeque<Long> held = new ArrayDeque<>();
                        for (int i = 0; i < 400; i++) {
                            held.add(a.malloc(8 + rnd.nextInt(seed % 4 == 0 ? 32_000 : 2000)));
                            if (rnd.nextInt(3) == 0) {
                                a.free(held.poll());
                            }
                        }
                        held.forEach(a::free);
                        pause.await(); // the checker looks while every thread is still
                        pause.await();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                    pause.reset();
                }
            }));
        }
        long budget = config.threadCacheSize();
        for (int r = 0; r < rounds; r++) {
            pause.await(60, TimeUnit.SECONDS);
            ThreadCacheBudget b = a.budget();
            b.checkInvariants();
            assertTrue(b.claimed() <= budget, "shares " + b.claimed() + " exceed the budget " + budget);
            long held = b.held();
            assertTrue(held <= budget + threads * slackPerThread,
                    "caches hold " + held + " > budget " + budget + " + slack " + threads * slackPerThread);
            assertEquals(held, a.stats().frontEndCacheBytes(), "stats report the bytes in thread caches");
            pause.await(60, TimeUnit.SECONDS);
        }
        for (Thread w : workers) {
            w.join();
        }
        assertTrue(errors.isEmpty(), () -> "worker failed: " + errors.peek());
        assertTrue(a.budget().unclaimed() < budget, "threads claimed more than their minimum through steals");
        assertBalanced(a);
    }

    static String classesOf(Config c) {
        StringBuilder s = new StringBuilder();
        for (var cls : c.classes()) {
            s.append("[[class]]\nsize = ").append(cls.size()).append('\n');
        }
        return s.toString();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tenThousandThreads_thatEnd_giveTheirCachesBack() throws Exception {
        ThreadCacheStack a = allocator();
        a.free(a.malloc(8)); // the test thread's own cache
        int total = 10_000;
        int parallel = 16;
        AtomicLong failures = new AtomicLong();
        for (int started = 0; started < total; started += parallel) {
            List<Thread> batch = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                int id = started + i;
                batch.add(Thread.ofPlatform().start(() -> {
                    try {
                        long[] p = new long[20];
                        for (int k = 0; k < p.length; k++) {
                            p[k] = a.malloc(16 + (id + k) % 700);
                            NativeMemory.putLong(p[k], id);
                        }
                        for (long q : p) {
                            if (NativeMemory.getLong(q) != id) {
                                failures.incrementAndGet();
                            }
                            a.free(q); // left in this thread's cache
                        }
                    } catch (Throwable e) {
                        failures.incrementAndGet();
                    }
                }));
            }
            for (Thread t : batch) {
                t.join();
            }
        }
        assertEquals(0, failures.get());
        ThreadCacheBudget b = a.budget();
        b.sweepDead();
        assertEquals(1, b.liveCaches(), "only the test thread's cache is left");
        // Each dead thread's cache was adopted by a later thread, or given back.
        assertTrue(b.retiredCaches() + b.adoptedCaches() >= total,
                "retired " + b.retiredCaches() + ", adopted " + b.adoptedCaches());
        assertTrue(b.adoptedCaches() > 0, "later threads adopt the caches of dead ones");
        AllocatorStats st = a.stats();
        assertEquals(b.held(), st.frontEndCacheBytes());
        assertTrue(st.frontEndCacheBytes() <= Config.defaults().minPerThreadCache() + 64 * 1024,
                "only one live cache's bytes: " + st.frontEndCacheBytes());
        b.checkInvariants();
        assertEquals(b.budget() - b.claimed(), b.unclaimed());
        assertBalanced(a);
    }

    /**
     * A budget of 4 MiB holds 8 caches at the 512 KiB minimum: with 32 live
     * threads each share is an equal part of it (128 KiB), so the shares add
     * up to the budget rather than to 32 minimums (16 MiB), and what the
     * threads hold once they have run their slow paths stays near it.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void moreThreadsThanTheBudgetHoldsAtTheMinimum_shareItEqually() throws Exception {
        Config small = Config.defaults().toBuilder().threadCacheSize(4 << 20).minPerThreadCache(512 << 10).build();
        ThreadCacheStack a = allocator(small);
        ThreadCacheBudget b = a.budget();
        int threads = 32;
        CountDownLatch finish = new CountDownLatch(1);
        List<Thread> live = startHeld(threads, finish, () -> {
            for (int round = 0; round < 3; round++) {
                long[] p = new long[2000];
                for (int i = 0; i < p.length; i++) {
                    p[i] = a.malloc(16 + (i * 37) % 1000);
                }
                for (long q : p) {
                    a.free(q);
                }
            }
        });
        assertEquals(threads, b.liveCaches());
        assertTrue(b.claimed() <= small.threadCacheSize(), "shares " + b.claimed() + " over the budget");
        assertTrue(b.unclaimed() >= 0);
        b.checkInvariants();
        // A thread keeps what it held when its share was cut until its next slow path: bounded by
        // the budget plus what the first threads held before the last ones registered.
        long held = a.stats().frontEndCacheBytes();
        assertTrue(held < (long) threads * small.minPerThreadCache(),
                "held " + held + ", as much as " + threads + " minimums");
        finish.countDown();
        for (Thread t : live) {
            t.join();
        }
        b.sweepDead();
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void platformThreadsBeyondTheCachesTheBudgetHolds_shareTheCpuCaches() throws Exception {
        // 256 KiB at the 32 KiB least share: 8 caches at most; 20 threads live at once.
        Config small = Config.defaults().toBuilder().threadCacheSize(256 << 10).minPerThreadCache(32 << 10).build();
        ThreadCacheStack a = allocator(small);
        ThreadCacheBudget b = a.budget();
        assertEquals(8, b.maxCaches());
        int threads = 20;
        CountDownLatch finish = new CountDownLatch(1);
        AtomicLong withoutCache = new AtomicLong();
        AtomicLong onCpuCaches = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> live = startHeld(threads, finish, () -> {
            try {
                long[] p = new long[2000];
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < p.length; i++) {
                        p[i] = a.malloc(16 + (i * 37) % 1000);
                        NativeMemory.putLong(p[i], p[i]);
                    }
                    for (long q : p) {
                        if (NativeMemory.getLong(q) != q) {
                            throw new AssertionError("0x" + Long.toHexString(q) + " was handed out twice");
                        }
                        a.free(q);
                    }
                }
                if (a.cache() == null) {
                    withoutCache.incrementAndGet();
                    if (a.frontEnd.cache() instanceof CpuCaches) {
                        onCpuCaches.incrementAndGet();
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        assertNull(failure.get());
        assertEquals(8, b.liveCaches(), "no more caches than the budget holds at the least share");
        assertEquals(threads - 8, withoutCache.get());
        assertEquals(threads - 8, onCpuCaches.get(), "the others share the per-CPU caches");
        assertEquals(threads - 8, b.refused());
        assertTrue(b.claimed() <= small.threadCacheSize(), "shares " + b.claimed() + " over the budget");
        b.checkInvariants();
        finish.countDown();
        for (Thread t : live) {
            t.join();
        }
        b.sweepDead();
        a.releaseFreeMemory(); // drains the CPU caches
        assertBalanced(a);
    }

    /**
     * Several threads die together, then as many start one after another (a
     * server's next round of handlers): each new thread adopts one dead
     * cache, with its blocks, rather than the first one giving the other dead
     * caches back and the later ones starting empty.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void severalDeadCaches_areAdoptedOneByEachOfTheNextThreads() throws Exception {
        ThreadCacheStack a = allocator();
        ThreadCacheBudget b = a.budget();
        int cl = a.config().sizeClasses().classOf(48);
        int n = 3;
        List<ThreadCache> dead = new ArrayList<>();
        runTogether(n, () -> { // all alive at once: three caches
            List<Long> p = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                p.add(a.malloc(48));
            }
            p.forEach(a::free);
            synchronized (dead) {
                dead.add(a.cache());
            }
        });
        for (ThreadCache c : dead) {
            assertTrue(c.length(cl) > 0, "a dead thread's cache holds blocks");
        }
        List<ThreadCache> taken = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        runTogether(n, () -> { // alive until all have their caches, so none adopts another's
            ThreadCache c = a.cache();
            synchronized (taken) {
                taken.add(c);
                kept.add(c.length(cl));
            }
        });
        // A garbage collection in between may let a dead thread's cleaner give its cache back
        // first; then the next thread starts empty. Without adoption by each, only one is adopted.
        assertEquals(n, b.adoptedCaches() + b.retiredCaches(), "every dead cache was adopted or given back");
        assertTrue(b.adoptedCaches() >= n - 1, "adopted " + b.adoptedCaches() + " of " + n + " dead caches");
        for (int t = 0; t < n; t++) {
            if (dead.contains(taken.get(t))) {
                assertTrue(kept.get(t) > 0, "an adopted cache comes with its blocks");
            }
        }
        assertEquals(b.adoptedCaches(), taken.stream().filter(dead::contains).distinct().count(),
                "each adopting thread took a different dead cache");
        b.sweepDead();
        assertBalanced(a);
    }

    /** Runs {@code body} on {@code n} new platform threads, none ending before all have run it; joins them. */
    private static void runTogether(int n, Runnable body) throws Exception {
        CyclicBarrier ran = new CyclicBarrier(n);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                body.run();
                try {
                    ran.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void aThreadThatFollowsADeadOne_adoptsItsCache_withItsBlocks_andTheDeadOnesCleanerLeavesIt() throws Exception {
        ThreadCacheStack a = allocator();
        a.free(a.malloc(8)); // the test thread's own cache
        ThreadCacheBudget b = a.budget();
        int cl = a.config().sizeClasses().classOf(48);
        ThreadCache[] first = new ThreadCache[1];
        int[] kept = new int[1];
        Thread dead = Thread.ofPlatform().start(() -> {
            List<Long> p = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                p.add(a.malloc(48));
            }
            p.forEach(a::free);
            first[0] = a.cache();
            kept[0] = first[0].length(cl);
        });
        dead.join();
        assertTrue(kept[0] > 0, "the dead thread's cache holds blocks");
        ThreadCache[] second = new ThreadCache[1];
        long[] ids = new long[1];
        CountDownLatch adopted = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread next = Thread.ofPlatform().start(() -> {
            ids[0] = Thread.currentThread().threadId();
            second[0] = a.cache();
            a.free(a.malloc(48)); // served from the adopted list
            adopted.countDown();
            try {
                finish.await(); // alive while the dead thread's cleaner runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        adopted.await();
        assertSame(first[0], second[0], "the next thread took the dead thread's cache over");
        assertEquals(ids[0], second[0].ownerId);
        assertEquals(kept[0], second[0].length(cl), "with its blocks");
        assertEquals(1, b.adoptedCaches());
        assertEquals(0, b.retiredCaches());
        assertEquals(2, b.liveCaches(), "the test thread's and the adopted one");
        // The dead thread's handle is unreachable: its cleaner runs, and must leave the adopted cache.
        dead = null;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertFalse(second[0].retired, "the dead thread's cleaner left the adopted cache alone");
        b.checkInvariants();
        finish.countDown();
        next.join();
        b.sweepDead(); // the adopter has died too: now it goes back
        assertEquals(1, b.retiredCaches());
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void deadThreadsCache_isGivenBackByTheCleaner_withoutASweep() throws Exception {
        ThreadCacheStack a = allocator();
        a.free(a.malloc(8));
        ThreadCacheBudget b = a.budget();
        Thread t = Thread.ofPlatform().start(() -> {
            List<Long> p = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                p.add(a.malloc(48));
            }
            p.forEach(a::free);
        });
        t.join();
        t = null;
        assertEquals(2, b.liveCaches(), "no sweep has run: the dead thread's cache is still registered");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (b.retiredCaches() == 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, b.retiredCaches(), "the cleaner gave the cache back");
        assertEquals(1, b.liveCaches());
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void hundredThousandVirtualThreads_shareTheCpuCaches_andGiveEveryBlockBack() throws Exception {
        ThreadCacheStack a = allocator();
        ThreadCacheBudget b = a.budget();
        int before = b.liveCaches();
        AtomicLong failures = new AtomicLong();
        ConcurrentLinkedQueue<Long> handoff = new ConcurrentLinkedQueue<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100_000; i++) {
                int id = i;
                pool.submit(() -> {
                    try {
                        long p = a.malloc(8 + id % 2000);
                        long q = a.malloc(64);
                        NativeMemory.putLong(p, id);
                        Thread.yield(); // let the carrier run another virtual thread in between
                        if (NativeMemory.getLong(p) != id) {
                            failures.incrementAndGet();
                        }
                        a.free(p);
                        handoff.add(q); // freed by another virtual thread
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
        for (Long q; (q = handoff.poll()) != null; ) {
            a.free(q);
        }
        assertEquals(0, failures.get());
        assertEquals(before, b.liveCaches(), "no virtual thread got a cache");
        CpuCaches cpus = a.frontEnd.virtualCaches();
        long bound = cpus.bound();
        assertTrue(cpus.bytes() > 0, "virtual threads cached blocks in the CPU caches");
        assertTrue(a.stats().frontEndCacheBytes() <= bound, "virtual threads hold at most the CPU caches' budget: "
                + a.stats().frontEndCacheBytes() + " > " + bound);
        a.releaseFreeMemory();
        assertEquals(0, cpus.bytes(), "the release drained the CPU caches of virtual threads");
        assertEquals(0, a.stats().frontEndCacheBytes());
        assertBalanced(a);
    }

    @Test
    void threadBound_sharesTheThreadsCache() {
        ThreadCacheStack a = allocator();
        var bound = a.threadBound();
        long p = bound.malloc(100);
        ThreadCache c = a.cache();
        int cl = a.config().sizeClasses().classOf(100);
        int len = c.length(cl);
        a.free(p);
        assertEquals(len + 1, c.length(cl), "the parent's free reached the same cache");
        assertEquals(p, bound.malloc(100), "and the view pops it");
        bound.free(p, 100);
        bound.flushThreadCache();
        assertEquals(0, c.length(cl));
        assertBalanced(a);
    }

    @Test
    void aClosedAllocator_isNotKeptReachable_byTheThreadThatUsedAndClosedIt() throws Exception {
        java.lang.ref.WeakReference<ThreadCache> ref = useAndClose();
        for (int i = 0; i < 100 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(ref.get(), "the closed allocator's cache (and its heap) is still reachable from this thread");
    }

    private static java.lang.ref.WeakReference<ThreadCache> useAndClose() {
        ThreadCacheStack a = allocator();
        long p = a.malloc(64); // this thread's cache, in its ThreadLocal
        a.free(p);
        java.lang.ref.WeakReference<ThreadCache> ref = new java.lang.ref.WeakReference<>(a.cache());
        a.close();
        return ref;
    }

    @Test
    void close_emptiesEveryThreadsCacheWithoutTouchingIt_andLaterCallsThrow() throws Exception {
        ThreadCacheStack a = allocator();
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            // The worker fills its cache and keeps a bound view and one live block.
            var state = worker.submit(() -> {
                List<Long> blocks = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    blocks.add(a.malloc(16 + 8 * (i % 40)));
                }
                long kept = blocks.removeLast();
                blocks.forEach(a::free);
                return new Object[] {a.cache(), a.threadBound(), kept};
            }).get();
            ThreadCache workerCache = (ThreadCache) state[0];
            Allocator view = (Allocator) state[1];
            long kept = (Long) state[2];
            assertTrue(workerCache.bytes() > 0, "the worker's cache holds blocks");
            long mine = a.malloc(64);
            a.free(mine); // and so does this thread's
            ThreadCache myCache = a.cache();

            a.close();

            assertEquals(0, a.budget().liveCaches());
            for (ThreadCache c : List.of(workerCache, myCache)) {
                assertTrue(c.retired);
                assertEquals(0, c.bytes());
                for (int cl = 1; cl < c.heads.length; cl++) {
                    assertEquals(0, c.heads[cl]);
                    assertEquals(0, c.length(cl));
                }
            }
            a.budget().retire(workerCache); // as the cleaner would, later: nothing left to give back
            worker.submit(() -> {
                assertThrowsClosed(() -> a.malloc(16));
                assertThrowsClosed(() -> a.free(kept));
                assertThrowsClosed(() -> a.free(kept, 16));
                assertThrowsClosed(() -> view.malloc(16));
                assertThrowsClosed(() -> view.free(kept));
                assertThrowsClosed(() -> view.free(kept, 16));
                assertThrowsClosed(view::flushThreadCache);
                assertThrowsClosed(view::threadBound);
                return null;
            }).get();
            runOn(Thread.ofPlatform(), () -> assertThrowsClosed(() -> a.malloc(16))); // a thread without a cache
            runOn(Thread.ofVirtual(), () -> assertThrowsClosed(() -> a.malloc(16)));
            assertThrowsClosed(a::flushThreadCache);
            assertThrowsClosed(a::threadBound);
        } finally {
            worker.shutdown();
        }
    }

    /** Runs {@code body} on a new thread of {@code builder}, rethrowing what it threw. */
    private static void runOn(Thread.Builder builder, Runnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = builder.start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() instanceof Error e) {
            throw e;
        } else if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    private static void assertThrowsClosed(Executable call) {
        assertThrows(IllegalStateException.class, call);
    }
}
