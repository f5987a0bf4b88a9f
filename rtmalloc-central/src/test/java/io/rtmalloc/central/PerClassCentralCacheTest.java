package io.rtmalloc.central;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CentralClassStats;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.Providers;
import io.rtmalloc.spi.Span;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerClassCentralCacheTest {

    Config config;
    SizeClasses classes;
    PageHeap heap;
    PerClassCentralCache central;

    @BeforeEach
    void setUp() {
        config = Config.defaults();
        classes = config.sizeClasses();
        heap = Providers.pageHeap().create(config);
        central = new PerClassCentralCache(config, heap);
    }

    private void assertBlockOf(int cl, long block) {
        Span span = heap.spanOf(block);
        assertEquals(Span.SMALL, span.state);
        assertEquals(cl, span.sizeClass);
        assertEquals(0, (block - span.start) % classes.size(cl));
        assertEquals(cl, heap.index().sizeClassOf(block));
    }

    private List<Long> chain(long head, int count) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(head);
            head = NativeMemory.getLong(head);
        }
        return out;
    }

    @Test
    void spinWhenHeld_setsTheLockOfEveryClass() {
        for (int cl = 1; cl <= classes.count(); cl++) {
            assertTrue(central.spins(cl) > 0, "class " + cl + " spins by default");
        }
        central.spinWhenHeld(false);
        for (int cl = 1; cl <= classes.count(); cl++) {
            assertEquals(0, central.spins(cl), "class " + cl);
        }
        central.spinWhenHeld(true);
        for (int cl = 1; cl <= classes.count(); cl++) {
            assertTrue(central.spins(cl) > 0, "class " + cl + " spins again");
        }
    }

    @Test
    void removeRange_givesDistinctBlocksOfTheClass_terminatedChain() {
        int cl = classes.classOf(64);
        int n = classes.batchSize(cl);
        long head = central.removeRange(cl, n);
        Set<Long> seen = new HashSet<>();
        long b = head;
        for (int i = 0; i < n; i++) {
            assertTrue(seen.add(b), "block handed out twice");
            assertBlockOf(cl, b);
            b = NativeMemory.getLong(b);
        }
        assertEquals(0, b, "the chain ends in 0");
        CentralClassStats st = central.classStats()[cl];
        assertEquals(n, st.handedOut());
        assertEquals(1, st.spans());
        assertEquals(classes.objectsPerSpan(cl) - n, st.freeInSpans());
        central.checkInvariants();
        central.insertRange(cl, head, n);
        assertEquals(n, central.classStats()[cl].inTransfer(), "a whole batch lands in the transfer cache");
        central.checkInvariants();
    }

    @Test
    void removeRange_servedFromTheTransferCache_afterInsert() {
        int cl = classes.classOf(256);
        int n = classes.batchSize(cl);
        long head = central.removeRange(cl, n);
        Set<Long> first = new HashSet<>(chain(head, n));
        central.insertRange(cl, head, n);
        long again = central.removeRange(cl, n);
        assertEquals(first, new HashSet<>(chain(again, n)), "the same batch comes back from the transfer cache");
        assertEquals(0, central.classStats()[cl].inTransfer());
        central.insertRange(cl, again, n);
    }

    @Test
    void scavenge_emptiesIdleTransferCaches_andLeavesActiveOnesAlone() {
        int idle = classes.classOf(64);
        int busy = classes.classOf(512);
        long a = central.removeRange(idle, classes.batchSize(idle));
        central.insertRange(idle, a, classes.batchSize(idle));
        long b = central.removeRange(busy, classes.batchSize(busy));
        central.insertRange(busy, b, classes.batchSize(busy));
        central.scavenge(false); // both were used since the last call: kept
        assertEquals(classes.batchSize(idle), central.classStats()[idle].inTransfer());
        assertEquals(classes.batchSize(busy), central.classStats()[busy].inTransfer());
        long again = central.removeRange(busy, 1); // busy stays in use
        central.insertRange(busy, again, 1);
        central.scavenge(false);
        assertEquals(0, central.classStats()[idle].inTransfer(), "idle since the last call: emptied");
        assertEquals(0, central.classStats()[idle].handedOut(), "and its span went back to the page heap");
        assertEquals(classes.batchSize(busy), central.classStats()[busy].inTransfer());
        central.scavenge(true);
        assertEquals(0, central.classStats()[busy].inTransfer(), "all: every transfer cache");
        central.checkInvariants();
        heap.checkInvariants();
    }

    @Test
    void spans_goBackToThePageHeap_whenAllTheirBlocksAreFree() {
        int cl = classes.classOf(1024);
        int perSpan = classes.objectsPerSpan(cl);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 3 * perSpan; i++) {
            blocks.add(central.allocate(cl));
        }
        // Refills take whole batches, so the transfer cache may hold a few more blocks;
        // spans are filled in order, so exactly ceil(handedOut / perSpan) of them exist.
        CentralClassStats full = central.classStats()[cl];
        assertTrue(full.handedOut() >= 3L * perSpan && full.handedOut() < 3L * perSpan + classes.batchSize(cl));
        assertEquals((full.handedOut() + perSpan - 1) / perSpan, full.spans());
        assertEquals(full.spans() * classes.pages(cl) * classes.pageSize(), heap.stats().smallBytes());
        blocks.forEach(b -> central.free(cl, b));
        central.checkInvariants();
        central.drainTransferCaches();
        central.checkInvariants();
        CentralClassStats st = central.classStats()[cl];
        assertEquals(0, st.spans());
        assertEquals(0, st.handedOut());
        assertEquals(0, heap.stats().smallBytes(), "every span went back to the page heap");
        heap.checkInvariants();
    }

    @Test
    void transferCache_isBoundedBySlotsTimesBatch() {
        int cl = classes.classOf(8);
        int capacity = config.maxTransferSlots() * classes.batchSize(cl);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < capacity + 5 * classes.batchSize(cl); i++) {
            blocks.add(central.allocate(cl));
        }
        blocks.forEach(b -> central.free(cl, b));
        CentralClassStats st = central.classStats()[cl];
        assertTrue(st.inTransfer() <= capacity, st.inTransfer() + " > " + capacity);
        assertEquals(st.inTransfer(), st.handedOut(), "everything else went back to the spans");
        central.checkInvariants();
    }

    @Test
    void newSpans_areCarvedLazily_aPageAtATime_andOnlyCarvedBlocksPassTheFreeCheck() {
        int cl = 1;
        while ((((classes.batchSize(cl) - 1L) * classes.size(cl)) / heap.pageSize() + 1) >= classes.pages(cl)) {
            cl++; // a class whose batch ends before the last page of its span
        }
        long size = classes.size(cl);
        long page = heap.pageSize();
        long b = central.allocate(cl); // the transfer cache takes a batch
        Span span = heap.spanOf(b);
        long lastOfBatch = (classes.batchSize(cl) - 1) * size;
        long carvedEnd = (lastOfBatch / page + 1) * page; // the end of the page the batch ends in
        long expected = Math.min(classes.objectsPerSpan(cl), (carvedEnd + size - 1) / size);
        assertEquals(expected, span.carved, "every block starting in the pages the batch reached, no more");
        assertTrue(span.carved < classes.objectsPerSpan(cl));
        assertEquals(classes.objectsPerSpan(cl) - classes.batchSize(cl), central.classStats()[cl].freeInSpans());
        long firstUncarved = span.start + span.carved * size;
        assertEquals(cl, heap.index().blockClassOf(b));
        assertEquals(cl, heap.index().blockClassOf(span.start + (span.carved - 1) * size), "the last carved block");
        assertEquals(0, heap.index().blockClassOf(firstUncarved), "a block never carved");
        assertEquals(0, heap.index().blockClassOf(b + 8), "an interior address");
        assertEquals(0, heap.index().sizeClassOf(span.start + carvedEnd), "the next page is not carved");
        central.free(cl, b);
        central.drainTransferCaches();
        central.checkInvariants();
    }

    @Test
    void insert_foreignBlock_isRejected_andTheCacheStaysConsistent() {
        int cl = classes.classOf(64);
        int other = classes.classOf(128);
        long good = central.removeRange(cl, 1);
        long ofOther = central.removeRange(other, 1);
        // The transfer cache takes single blocks unchecked (front ends validate them);
        // the central list checks every block that reaches it.
        CentralFreeList list = new CentralFreeList(cl, classes.size(cl), classes.pages(cl),
                classes.objectsPerSpan(cl), heap);
        assertThrows(IllegalArgumentException.class, () -> list.insertOne(ofOther));
        assertThrows(IllegalArgumentException.class, () -> list.insertOne(good + 8));
        assertThrows(IllegalArgumentException.class, () -> list.insertOne(12345L << 20));
        central.insertRange(cl, good, 1);
        central.insertRange(other, ofOther, 1);
        central.drainTransferCaches();
        central.checkInvariants();
        heap.checkInvariants();
        assertEquals(0, heap.stats().smallBytes());
    }

    @Test
    void removeRange_badCount_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> central.removeRange(1, 0));
    }

    @Test
    void randomOperations_keepInvariantsAndNeverHandOutABlockTwice() {
        Random rnd = new Random(42);
        Set<Long> live = new HashSet<>();
        List<long[]> held = new ArrayList<>(); // {class, address}
        for (int step = 0; step < 20_000; step++) {
            int cl = 1 + rnd.nextInt(classes.count());
            int op = rnd.nextInt(4);
            if (op == 0 || held.isEmpty()) {
                long b = central.allocate(cl);
                assertTrue(live.add(b), "handed out twice: " + b);
                NativeMemory.putLong(b + (classes.size(cl) - 8), b);
                held.add(new long[] {cl, b});
            } else if (op == 1) {
                int n = 1 + rnd.nextInt(classes.batchSize(cl));
                long head = central.removeRange(cl, n);
                for (long b : chain(head, n)) {
                    assertTrue(live.add(b), "handed out twice: " + b);
                    NativeMemory.putLong(b + (classes.size(cl) - 8), b);
                    held.add(new long[] {cl, b});
                }
            } else {
                int idx = rnd.nextInt(held.size());
                long[] h = held.get(idx);
                held.set(idx, held.getLast());
                held.removeLast();
                long b = h[1];
                assertEquals(b, NativeMemory.getLong(b + (classes.size((int) h[0]) - 8)), "block contents kept");
                live.remove(b);
                central.free((int) h[0], b);
            }
            if (step % 2000 == 0) {
                central.checkInvariants();
                heap.checkInvariants();
            }
        }
        for (long[] h : held) {
            central.free((int) h[0], h[1]);
        }
        central.drainTransferCaches();
        central.checkInvariants();
        heap.checkInvariants();
        assertEquals(0, heap.stats().smallBytes());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentBatches_crossThread_balance() throws Exception {
        int threads = 4;
        int rounds = 3000;
        int[] sizes = {8, 64, 512, 4096};
        ConcurrentLinkedQueue<long[]> handoff = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                Random rnd = new Random(seed);
                ArrayDeque<long[]> mine = new ArrayDeque<>();
                try {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        int cl = classes.classOf(sizes[rnd.nextInt(sizes.length)]);
                        int n = 1 + rnd.nextInt(classes.batchSize(cl));
                        long head = central.removeRange(cl, n);
                        long b = head;
                        for (int i = 0; i < n; i++) {
                            long next = NativeMemory.getLong(b);
                            NativeMemory.putLong(b, ((long) seed << 56) | r);
                            mine.add(new long[] {cl, b, ((long) seed << 56) | r});
                            b = next;
                        }
                        // Hand half to other threads, free the rest ourselves.
                        while (mine.size() > 64) {
                            long[] h = mine.poll();
                            if (rnd.nextBoolean()) {
                                handoff.add(h);
                            } else {
                                check(h);
                                central.free((int) h[0], h[1]);
                            }
                        }
                        long[] other = handoff.poll();
                        if (other != null) {
                            check(other);
                            central.free((int) other[0], other[1]);
                        }
                    }
                    for (long[] h : mine) {
                        check(h);
                        central.free((int) h[0], h[1]);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertTrue(errors.isEmpty(), () -> "worker failed: " + errors.peek());
        for (long[] h; (h = handoff.poll()) != null; ) {
            check(h);
            central.free((int) h[0], h[1]);
        }
        central.checkInvariants();
        central.drainTransferCaches();
        central.checkInvariants();
        heap.checkInvariants();
        for (int cl = 1; cl <= classes.count(); cl++) {
            assertEquals(0, central.classStats()[cl].handedOut(), "class " + cl);
        }
        assertEquals(0, heap.stats().smallBytes());
    }

    private static void check(long[] h) {
        assertNotEquals(0, h[1]);
        assertEquals(h[2], NativeMemory.getLong(h[1]), "a block was written by someone else while held");
    }

    @Test
    void close_forgetsEveryBlock_andRefusesEveryCall_leavingThePageHeapToItsOwner() {
        int cl = classes.classOf(64);
        long one = central.allocate(cl);
        long chain = central.removeRange(cl, 5);
        central.free(cl, one); // one block in the transfer cache
        long mapped = heap.stats().mappedBytes();

        central.close();

        assertThrows(IllegalStateException.class, () -> central.allocate(cl));
        assertThrows(IllegalStateException.class, () -> central.free(cl, one));
        assertThrows(IllegalStateException.class, () -> central.removeRange(cl, 2));
        assertThrows(IllegalStateException.class, () -> central.insertRange(cl, chain, 5));
        assertThrows(IllegalStateException.class, central::classStats);
        assertThrows(IllegalStateException.class, central::drainTransferCaches);
        assertThrows(IllegalStateException.class, central::checkInvariants);
        central.close(); // again: nothing more to do
        assertEquals(mapped, heap.stats().mappedBytes(), "the page heap is closed by whoever owns it");
        heap.close();
        assertThrows(IllegalStateException.class, heap::stats);
    }
}
