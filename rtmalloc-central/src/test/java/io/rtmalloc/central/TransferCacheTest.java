package io.rtmalloc.central;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.FreeList;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.Providers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chains into and out of the transfer cache's ring, across its end. */
class TransferCacheTest {

    private static final int BATCH = 4;
    private static final int SLOTS = 2; // a ring of 8 blocks

    private PageHeap heap;
    private CentralFreeList list;
    private TransferCache cache;

    @BeforeEach
    void setUp() {
        Config config = Config.defaults();
        SizeClasses classes = config.sizeClasses();
        int cl = classes.classOf(64);
        heap = Providers.pageHeap().create(config);
        list = new CentralFreeList(cl, classes.size(cl), classes.pages(cl), classes.objectsPerSpan(cl), heap);
        cache = new TransferCache(BATCH, SLOTS, list);
    }

    @AfterEach
    void tearDown() {
        heap.close();
    }

    /** {@code n} blocks from the central list, chained so that the first of them is the head. */
    private long chainOf(List<Long> blocks) {
        long head = 0;
        for (int i = blocks.size() - 1; i >= 0; i--) {
            head = FreeList.push(head, blocks.get(i));
        }
        return head;
    }

    private List<Long> take(int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(list.removeOne());
        }
        return out;
    }

    private static List<Long> walk(long head, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(head);
            head = FreeList.next(head);
        }
        return out;
    }

    /**
     * Leaves the ring with its two oldest blocks in its 5th and 6th slots, so
     * that the next chain of 4 wraps round its end; answers the chains taken
     * out on the way, for the caller to give back.
     */
    private List<Long> twoLeftMidRing() {
        List<Long> a = take(4);
        List<Long> b = take(4);
        List<Long> c = take(4);
        cache.insertRange(chainOf(a), 4);
        cache.insertRange(chainOf(b), 4); // the ring is full
        cache.insertRange(chainOf(c), 4); // spills a, the oldest; c fills the ring's first four slots
        assertEquals(8, cache.used());
        long cc = cache.removeRange(4);
        assertEquals(List.of(c.get(3), c.get(2), c.get(1), c.get(0)), walk(cc, 4), "the newest first");
        assertEquals(0, FreeList.next(c.get(0)), "a chain given out ends in 0");
        long bb = cache.removeRange(2);
        assertEquals(List.of(b.get(3), b.get(2)), walk(bb, 2));
        assertEquals(2, cache.used());
        List<Long> out = new ArrayList<>(c);
        out.addAll(b.subList(2, 4));
        return out;
    }

    private void giveBackAndCheck(List<Long> blocks) {
        for (long b : blocks) {
            list.insertOne(b);
        }
        cache.drain();
        list.checkInvariants(new HashSet<>());
        assertEquals(0, list.handedOut(), "every block is back");
    }

    @Test
    void chainsCrossTheEndOfTheRing_inBothDirections() {
        List<Long> out = twoLeftMidRing();
        List<Long> d = take(4);
        cache.insertRange(chainOf(d), 4); // two at the ring's end, two at its start
        assertEquals(6, cache.used());
        HashSet<Long> seen = new HashSet<>();
        cache.collect(seen);
        assertEquals(6, seen.size());
        assertTrue(seen.containsAll(d));

        long six = cache.removeRange(6); // out of both runs, the newest first
        List<Long> got = walk(six, 6);
        assertEquals(d.get(3), got.get(0));
        assertEquals(List.of(d.get(3), d.get(2), d.get(1), d.get(0)), got.subList(0, 4));
        assertEquals(0, FreeList.next(got.get(5)));
        assertEquals(0, cache.used());
        out.addAll(got);
        giveBackAndCheck(out);
    }

    @Test
    void aChainWithALinkOutsideTheHeap_keepsWhatCameBefore_acrossTheEnd() {
        List<Long> out = twoLeftMidRing();
        List<Long> e = take(4);
        long head = chainOf(e);
        FreeList.link(e.get(2), 0x7fff_dead_bee0L); // e0 e1 e2 -> garbage: e2 lands past the ring's end
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> cache.insertRange(head, 4));
        assertTrue(error.getMessage().contains("position 3") && error.getMessage().contains("7fffdeadbee0"),
                error.getMessage());
        assertEquals(5, cache.used(), "the three blocks before the damaged link are kept");
        HashSet<Long> seen = new HashSet<>();
        cache.collect(seen);
        assertTrue(seen.containsAll(e.subList(0, 3)));
        assertTrue(!seen.contains(e.get(3)));
        out.add(e.get(3));
        giveBackAndCheck(out);
    }
}
