package io.rtmalloc.pageheap;

import io.rtmalloc.ReleaseCause;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.rtmalloc.pageheap.MmapPageHeapTest.PAGE;
import static io.rtmalloc.pageheap.MmapPageHeapTest.RESERVATION;
import static io.rtmalloc.pageheap.MmapPageHeapTest.SHIFT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page heap's release policy on a clock the test turns: the decay queue,
 * the short queue of freed large blocks, releases in pieces outside the lock,
 * touched and untouched spans kept apart and merged for a request, and the
 * soft and hard limits on resident bytes.
 */
class MmapPageHeapReleaseTest {

    static final long MS = 1_000_000L;
    static final long DECAY = 1000 * MS;
    static final long DELAY = 100 * MS;
    static final long LARGE = 32L * PAGE;

    final AtomicLong now = new AtomicLong(1_000_000 * MS);
    final MmapPageHeapTest.CountingMemory os = new MmapPageHeapTest.CountingMemory();
    final List<Object[]> told = new ArrayList<>();

    /** A heap of 64-page regions: decay 1 s, blocks of 32 pages or more released after 100 ms. */
    MmapPageHeap heap(long largeDelay) {
        return heap(64, largeDelay);
    }

    MmapPageHeap heap(long regionPages, long largeDelay) {
        int[] sizes = {0, 64, 4096, 24576};
        MmapPageHeap heap = new MmapPageHeap(PAGE, 128, os, regionPages * PAGE, RESERVATION,
                new MmapPageHeap.Policy(DECAY, LARGE, largeDelay, sizes, now::get));
        heap.setReleaseListener((cause, bytes, mapped) -> told.add(new Object[] {cause, bytes}));
        return heap;
    }

    private static void touch(Span s) {
        for (long a = s.start; a < s.end(SHIFT); a += 4096) {
            NativeMemory.putLong(a, 0x1234);
        }
    }

    private long told(ReleaseCause cause) {
        return told.stream().filter(t -> t[0] == cause).mapToLong(t -> (Long) t[1]).sum();
    }

    // ------------------------------------------------------------------ accounting

    @Test
    void freshRegion_isUntouched_andOnlyHandedOutPagesAreResident() {
        MmapPageHeap heap = heap(DELAY);
        Span s = heap.allocate(5, 0);
        PageHeapStats st = heap.stats();
        assertEquals(64L * PAGE, st.mappedBytes());
        assertEquals(59L * PAGE, st.releasedBytes(), "the rest of the region was never touched");
        assertEquals(5L * PAGE, st.residentBytes());
        heap.free(s);
        st = heap.stats();
        assertEquals(5L * PAGE, st.freeBytes(), "freed pages stay resident");
        assertEquals(5L * PAGE, st.residentBytes());
        assertEquals(2, st.freeSpans(), "touched and untouched free spans do not merge");
        heap.checkInvariants();
    }

    @Test
    void smallSpanCutFromUntouchedPages_givesItsUncarvedPagesBackUntouched() {
        MmapPageHeap heap = heap(DELAY);
        Span s = heap.allocate(3, 2); // class 2: 4096-byte blocks, 6 of them in 3 pages
        s.carved = 3; // three blocks handed out: 12288 bytes, the first 2 pages touched
        heap.free(s);
        PageHeapStats st = heap.stats();
        assertEquals(2L * PAGE, st.freeBytes());
        assertEquals(62L * PAGE, st.releasedBytes());
        heap.checkInvariants();

        Span t = heap.allocate(2, 2); // the two touched pages
        assertEquals(s.start, t.start);
        assertEquals(2L * PAGE, heap.stats().residentBytes());
        t.carved = 1;
        heap.free(t);
        assertEquals(2L * PAGE, heap.stats().freeBytes(), "cut from touched pages: all of it counts as touched");
        heap.checkInvariants();
    }

    // ------------------------------------------------------------------ decay

    @Test
    void releaseIdle_releasesOnlyWhatStayedFreeForTheDecayTime() {
        MmapPageHeap heap = heap(DELAY);
        Span a = heap.allocate(4, 0);
        Span b = heap.allocate(4, 0);
        Span keep = heap.allocate(1, 0); // keeps a and b apart once freed
        Span c = heap.allocate(4, 0);
        touch(a);
        heap.free(a);
        now.addAndGet(DECAY / 2);
        heap.free(c);
        assertEquals(0, heap.releaseIdle(Long.MAX_VALUE), "nothing is due yet");
        now.addAndGet(DECAY / 2);
        assertEquals(4L * PAGE, heap.releaseIdle(Long.MAX_VALUE), "a is due, c not yet");
        assertTrue(heap.spanOf(a.start).released);
        assertFalse(heap.spanOf(c.start).released);
        assertEquals(0, NativeMemory.getLong(a.start), "released pages read zero");
        now.addAndGet(DECAY / 2);
        assertEquals(4L * PAGE, heap.releaseIdle(Long.MAX_VALUE));
        PageHeapStats st = heap.stats();
        assertEquals(8L * PAGE, st.release().decayBytes());
        assertEquals(8L * PAGE, st.bytesReleasedTotal());
        assertEquals(2, st.release().releases());
        assertEquals(8L * PAGE, os.released);
        assertEquals(8L * PAGE, told(ReleaseCause.DECAY), "the listener hears of each release");
        assertEquals(5L * PAGE, st.largeBytes(), "b and keep stay in use");
        assertEquals(0, st.freeBytes());
        heap.free(b);
        heap.free(keep);
        heap.checkInvariants();
    }

    @Test
    void releaseIdle_isBoundedByItsBudget_andReleasesInPieces() {
        MmapPageHeap heap = heap(2048, DELAY);
        long chunk = MmapPageHeap.RELEASE_CHUNK_BYTES >>> SHIFT;
        long pages = chunk + chunk / 2 + 10;
        Span s = heap.allocate(pages, 0);
        Span small = heap.allocate(20, 0);
        heap.allocate(1, 0);
        heap.free(small);
        now.addAndGet(DECAY);
        assertEquals(20L * PAGE, heap.releaseIdle(20L * PAGE));
        assertEquals(1, heap.stats().release().releases());
        heap.free(s); // at least large_release_threshold: the short queue
        now.addAndGet(DELAY);
        assertEquals(pages * PAGE, heap.releaseIdle(Long.MAX_VALUE));
        assertEquals(3, heap.stats().release().releases(), "the large block in two pieces");
        assertEquals(pages * PAGE, heap.stats().release().largeFreeBytes());
        assertEquals(20L * PAGE, heap.stats().release().decayBytes());
        assertEquals(1, heap.stats().largeSpans());
        heap.checkInvariants();
    }

    @Test
    void decayOff_releasesNothingByTime_butReleaseFreeMemoryStillDoes() {
        MmapPageHeap heap = new MmapPageHeap(PAGE, 128, os, 64L * PAGE, RESERVATION,
                new MmapPageHeap.Policy(0, 0, 0, null, now::get));
        Span s = heap.allocate(8, 0);
        heap.free(s);
        now.addAndGet(1000 * DECAY);
        assertEquals(0, heap.releaseIdle(Long.MAX_VALUE));
        assertEquals(8L * PAGE, heap.releaseFreeMemory());
        assertEquals(8L * PAGE, heap.stats().release().requestBytes());
        heap.checkInvariants();
    }

    @Test
    void mergedTouchedSpans_takeTheTimeOfTheLongest() {
        MmapPageHeap heap = heap(DELAY);
        Span big = heap.allocate(20, 0);
        Span small = heap.allocate(2, 0);
        heap.allocate(1, 0); // keeps the untouched rest apart
        heap.free(big);
        now.addAndGet(DECAY - 1);
        heap.free(small); // merges into big's span, which keeps its time
        Span merged = heap.spanOf(big.start);
        assertEquals(22, merged.pages);
        now.addAndGet(1);
        assertEquals(22L * PAGE, heap.releaseIdle(Long.MAX_VALUE), "due with the longer part");
        heap.checkInvariants();

        Span x = heap.allocate(2, 0); // from the released span, at its start
        Span y = heap.allocate(20, 0);
        heap.free(x);
        now.addAndGet(DECAY - 1);
        heap.free(y); // the longer, freed now: the merged span is due a decay from now
        now.addAndGet(1);
        assertEquals(0, heap.releaseIdle(Long.MAX_VALUE));
        now.addAndGet(DECAY);
        assertEquals(22L * PAGE, heap.releaseIdle(Long.MAX_VALUE));
        heap.checkInvariants();
    }

    // ------------------------------------------------------------------ large blocks

    @Test
    void freedLargeBlock_goesBackAfterTheShortDelay() {
        MmapPageHeap heap = heap(2048, DELAY);
        Span s = heap.allocate(40, 0);
        touch(s);
        heap.free(s);
        assertEquals(40L * PAGE, heap.stats().freeBytes());
        assertEquals(0, heap.releaseIdle(Long.MAX_VALUE));
        now.addAndGet(DELAY);
        assertEquals(40L * PAGE, heap.releaseIdle(Long.MAX_VALUE));
        assertEquals(40L * PAGE, heap.stats().release().largeFreeBytes());
        assertEquals(0, heap.stats().freeBytes());
        heap.checkInvariants();
    }

    @Test
    void freedLargeBlock_withNoDelay_goesBackAtFree() {
        MmapPageHeap heap = heap(2048, 0);
        Span s = heap.allocate(40, 0);
        touch(s);
        heap.free(s);
        PageHeapStats st = heap.stats();
        assertEquals(40L * PAGE, st.release().largeFreeBytes());
        assertEquals(0, st.freeBytes());
        assertEquals(0, st.residentBytes());
        assertEquals(1, st.freeSpans(), "released at once, it merged with the untouched rest");
        assertEquals(40L * PAGE, told(ReleaseCause.LARGE_FREE));
        Span small = heap.allocate(31, 0);
        heap.free(small);
        assertEquals(31L * PAGE, heap.stats().freeBytes(), "below the threshold: the decay queue");
        heap.checkInvariants();
    }

    @Test
    void hugeBlocksInTurn_leaveNoMoreResidentThanTheLargestLiveOne() {
        MmapPageHeap heap = heap(64, 0);
        long largest = 0;
        for (long pages : new long[] {200, 400, 800, 300, 600, 100}) {
            Span s = heap.allocate(pages, 0);
            touch(s);
            largest = Math.max(largest, pages);
            assertTrue(heap.stats().residentBytes() <= pages * PAGE, "only the live block is resident");
            heap.free(s);
            assertEquals(0, heap.stats().residentBytes());
            heap.checkInvariants();
        }
        assertTrue(heap.stats().mappedBytes() <= (largest + 64) * PAGE,
                "the blocks reuse one range: mapped " + heap.stats().mappedBytes());
    }

    // ------------------------------------------------------------------ kinds kept apart, merged on need

    @Test
    void requestLongerThanEveryFreeSpan_mergesATouchedAndUntouchedRun_insteadOfGrowing() {
        MmapPageHeap heap = heap(64, DELAY);
        Span a = heap.allocate(10, 0);
        Span b = heap.allocate(10, 0);
        Span wall = heap.allocate(44, 0); // fills the region
        heap.free(a);
        heap.releaseFreeMemory(); // a: untouched
        heap.free(b); // b: touched, next to a
        long mapped = heap.stats().mappedBytes();
        Span c = heap.allocate(20, 0);
        assertEquals(a.start, c.start, "a and b merged");
        assertEquals(mapped, heap.stats().mappedBytes(), "nothing more mapped");
        assertEquals(10L * PAGE, heap.stats().release().mergeBytes(), "b was released to merge");
        heap.free(c);
        heap.free(wall);
        heap.checkInvariants();
    }

    @Test
    void growing_releasesATouchedRunAtTheEnd_soThatTheNewRegionJoinsIt() {
        MmapPageHeap heap = heap(64, DELAY);
        Span head = heap.allocate(40, 0);
        Span tail = heap.allocate(24, 0); // fills the region
        heap.free(tail); // touched, at the end of the mapped prefix
        Span big = heap.allocate(80, 0);
        assertEquals(tail.start, big.start, "the new region joined the released tail");
        assertEquals(128L * PAGE, heap.stats().mappedBytes(), "56 more pages would do: a region of 64");
        assertEquals(24L * PAGE, heap.stats().release().mergeBytes());
        heap.free(big);
        heap.free(head);
        heap.checkInvariants();
    }

    @Test
    void bestFit_takesTouchedPagesBeforeUntouchedOnes() {
        MmapPageHeap heap = heap(64, DELAY);
        Span a = heap.allocate(6, 0);
        heap.allocate(1, 0);
        heap.free(a);
        Span b = heap.allocate(2, 0);
        assertEquals(a.start, b.start, "a touched span of 6 pages before untouched ones");
        assertEquals(7L * PAGE, heap.stats().residentBytes(), "no resident growth");
        heap.checkInvariants();
    }

    // ------------------------------------------------------------------ limits

    @Test
    void softLimit_releasesTouchedFreePagesBeforeTakingUntouchedOnes() {
        MmapPageHeap heap = heap(256, DELAY);
        heap.setMemoryLimits(40L * PAGE, 0);
        Span a = heap.allocate(30, 0);
        heap.allocate(1, 0);
        heap.free(a); // 30 touched free pages
        Span b = heap.allocate(35, 0); // no touched span fits: 35 untouched pages
        PageHeapStats st = heap.stats();
        assertTrue(st.residentBytes() <= 40L * PAGE, "resident " + st.residentBytes());
        assertEquals(30L * PAGE, st.release().limitBytes());
        assertEquals(1, st.release().softLimitHits());
        assertEquals(40L * PAGE, st.release().softLimit());
        Span c = heap.allocate(20, 0); // past the soft limit with nothing to release: allowed
        assertEquals(56L * PAGE, heap.stats().residentBytes());
        heap.free(b);
        heap.free(c);
        heap.checkInvariants();
    }

    @Test
    void releaseIdle_overTheSoftLimit_releasesOldestFirstUntilUnder() {
        MmapPageHeap heap = heap(256, DELAY);
        Span a = heap.allocate(10, 0);
        heap.allocate(1, 0);
        Span b = heap.allocate(10, 0);
        heap.allocate(1, 0);
        heap.free(a);
        now.addAndGet(MS);
        heap.free(b);
        heap.setMemoryLimits(15L * PAGE, 0);
        assertEquals(10L * PAGE, heap.releaseIdle(Long.MAX_VALUE), "a, the oldest, is enough");
        assertTrue(heap.spanOf(a.start).released);
        assertFalse(heap.spanOf(b.start).released);
        assertEquals(10L * PAGE, heap.stats().release().limitBytes());
        heap.checkInvariants();
    }

    @Test
    void hardLimit_refusesWithOutOfMemory_andTheHeapStaysAsItWas() {
        MmapPageHeap heap = heap(256, DELAY);
        heap.setMemoryLimits(0, 50L * PAGE);
        Span a = heap.allocate(30, 0);
        Span b = heap.allocate(10, 0);
        heap.free(b); // 10 touched free pages: released before a refusal
        PageHeapStats before = heap.stats();
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> heap.allocate(25, 0));
        assertTrue(e.getMessage().contains("memory_limit_hard"), e.getMessage());
        PageHeapStats after = heap.stats();
        assertEquals(before.largeBytes(), after.largeBytes());
        assertEquals(before.smallBytes(), after.smallBytes());
        assertEquals(before.mappedBytes(), after.mappedBytes());
        assertEquals(1, after.release().hardLimitRefusals());
        assertEquals(10L * PAGE, after.release().limitBytes(), "free pages went back first");
        heap.checkInvariants();
        Span c = heap.allocate(20, 0); // fits under the limit
        assertEquals(50L * PAGE, heap.stats().residentBytes());
        assertFalse(heap.resize(c, 21), "growing in place is refused past the limit");
        assertEquals(20, c.pages);
        assertThrows(OutOfMemoryError.class, () -> heap.allocate(1, 5));
        heap.free(a);
        Span d = heap.allocate(1, 5); // room again: a's touched pages serve it
        assertEquals(Span.SMALL, d.state);
        heap.checkInvariants();
    }

    @Test
    void setMemoryLimits_badValues_areRejected() {
        MmapPageHeap heap = heap(DELAY);
        assertThrows(IllegalArgumentException.class, () -> heap.setMemoryLimits(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> heap.setMemoryLimits(0, -1));
        assertThrows(IllegalArgumentException.class, () -> heap.setMemoryLimits(10L * PAGE, 5L * PAGE));
        heap.setMemoryLimits(10L * PAGE, 10L * PAGE);
        heap.setMemoryLimits(0, 0);
        assertEquals(0, heap.stats().release().softLimit());
        assertEquals(0, heap.stats().release().hardLimit());
    }

    // ------------------------------------------------------------------ stateful random test

    @Test
    void randomSequence_withReleasesAndLimits_keepsInvariantsAndContents() {
        Random rnd = new Random(20261127);
        MmapPageHeap heap = heap(64, DELAY);
        TreeMap<Long, Span> live = new TreeMap<>();
        for (int step = 0; step < 4000; step++) {
            int op = rnd.nextInt(100);
            if (live.isEmpty() || op < 50) {
                long pages = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(200) : 1 + rnd.nextInt(8);
                int cl = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(3);
                Span s;
                long residentBefore = heap.stats().residentBytes();
                try {
                    s = heap.allocate(pages, cl);
                } catch (OutOfMemoryError limit) {
                    heap.checkInvariants();
                    continue;
                }
                PageHeapStats st = heap.stats();
                if (st.release().hardLimit() > 0) {
                    assertTrue(st.residentBytes() <= Math.max(st.release().hardLimit(), residentBefore),
                            "an allocation took the resident memory past the hard limit: " + st);
                }
                if (cl != 0) {
                    s.carved = rnd.nextInt(4);
                }
                Map.Entry<Long, Span> below = live.floorEntry(s.start);
                assertFalse(below != null && below.getValue().end(SHIFT) > s.start, "overlaps " + below);
                NativeMemory.putLong(s.start, s.start);
                live.put(s.start, s);
            } else if (op < 85) {
                Long key = live.keySet().stream().skip(rnd.nextInt(live.size())).findFirst().orElseThrow();
                Span s = live.remove(key);
                assertEquals(s.start, NativeMemory.getLong(s.start), "contents kept while allocated");
                heap.free(s);
            } else if (op < 93) {
                now.addAndGet(rnd.nextLong(DECAY / 2));
                heap.releaseIdle(rnd.nextBoolean() ? Long.MAX_VALUE : rnd.nextLong(1, 64) * PAGE);
            } else if (op < 97) {
                long soft = rnd.nextInt(3) == 0 ? 0 : rnd.nextLong(100, 2000) * PAGE;
                long hard = rnd.nextInt(3) == 0 ? 0 : Math.max(soft, rnd.nextLong(100, 3000) * PAGE);
                heap.setMemoryLimits(soft, hard);
            } else {
                heap.releaseFreeMemory();
            }
            if (step % 40 == 0) {
                heap.checkInvariants();
            }
        }
        heap.setMemoryLimits(0, 0);
        live.values().forEach(heap::free);
        heap.checkInvariants();
        heap.releaseFreeMemory();
        PageHeapStats st = heap.stats();
        assertEquals(0, st.residentBytes());
        assertEquals(st.mappedBytes(), st.releasedBytes());
        assertEquals(st.bytesReleasedTotal(), st.release().totalBytes());
        heap.close();
    }
}
