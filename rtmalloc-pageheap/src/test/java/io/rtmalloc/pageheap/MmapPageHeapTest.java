package io.rtmalloc.pageheap;

import io.rtmalloc.Config;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MmapPageHeapTest {

    static final int PAGE = 8192;
    static final int SHIFT = 13;

    /** Address space the tests' heaps reserve unless they say otherwise: 1 GiB. */
    static final long RESERVATION = 1L << 30;

    /**
     * The real OS memory, counting what passes through, with limits to refuse
     * reservations, commits and class maps above some size.
     */
    static class CountingMemory implements SystemMemory {
        /** Bytes of the reservation replaced by fresh zero pages at close (kept mapped). */
        long zeroedOnClose;
        /** Bytes of address space reserved and not unmapped (committed parts included). */
        long reserved;
        /** Bytes committed inside reservations and not unmapped. */
        long mapped;
        /** Bytes of class maps mapped and not yet replaced by read-only zero pages. */
        long classMaps;
        /** The last class map mapped. */
        long classMapAddress;
        long released;
        /** Commits (regions) made. */
        int maps;
        int refusedReservations;
        /** Committed ranges as {start, end}, in the order made. */
        final List<long[]> commits = new ArrayList<>();
        long limit = Long.MAX_VALUE;
        long reserveLimit = Long.MAX_VALUE;
        long mapLimit = Long.MAX_VALUE;

        @Override
        public long reserve(long bytes) {
            if (bytes > reserveLimit) {
                refusedReservations++;
                throw new OutOfMemoryError("test reservation limit of " + reserveLimit + " bytes");
            }
            long a = Mmap.INSTANCE.reserve(bytes);
            reserved += bytes;
            return a;
        }

        @Override
        public void commit(long address, long bytes) {
            if (mapped + bytes > limit) {
                throw new OutOfMemoryError("test limit of " + limit + " bytes");
            }
            Mmap.INSTANCE.commit(address, bytes);
            mapped += bytes;
            maps++;
            commits.add(new long[] {address, address + bytes});
        }

        @Override
        public long map(long bytes) {
            if (bytes > mapLimit) {
                throw new OutOfMemoryError("test map limit of " + mapLimit + " bytes");
            }
            long a = Mmap.INSTANCE.map(bytes);
            classMaps += bytes;
            classMapAddress = a;
            return a;
        }

        /** Unmaps part of a reservation (the heap unmaps nothing else). */
        @Override
        public void unmap(long address, long bytes) {
            Mmap.INSTANCE.unmap(address, bytes);
            reserved -= bytes;
            long end = address + bytes;
            for (long[] c : commits) {
                long from = Math.max(c[0], address);
                long to = Math.min(c[1], end);
                if (from < to) {
                    mapped -= to - from;
                }
            }
        }

        @Override
        public void release(long address, long bytes) {
            Mmap.INSTANCE.release(address, bytes);
            released += bytes;
        }

        @Override
        public void zeroReadOnly(long address, long bytes) {
            Mmap.INSTANCE.zeroReadOnly(address, bytes);
            classMaps -= bytes;
        }

        @Override
        public void zeroReadWrite(long address, long bytes) {
            Mmap.INSTANCE.zeroReadWrite(address, bytes);
            zeroedOnClose += bytes;
        }
    }

    private static MmapPageHeap heap(CountingMemory os, long regionPages) {
        return new MmapPageHeap(PAGE, 128, os, regionPages * PAGE, RESERVATION);
    }

    private static MmapPageHeap heap(CountingMemory os, long regionPages, long reservedPages) {
        return new MmapPageHeap(PAGE, 128, os, regionPages * PAGE, reservedPages * PAGE);
    }

    @Test
    void allocate_smallSpan_mapsEveryPageToIt() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span s = carved(heap, 5, 7);
        assertEquals(Span.SMALL, s.state);
        assertEquals(0, s.start % PAGE);
        for (long a = s.start; a < s.end(SHIFT); a += 1000) {
            assertSame(s, heap.spanOf(a));
            assertEquals(7, heap.index().sizeClassOf(a));
        }
        heap.checkInvariants();
    }

    @Test
    void allocate_largeSpan_mapsItsEnds() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span s = heap.allocate(10, 0);
        assertEquals(Span.LARGE, s.state);
        assertSame(s, heap.spanOf(s.start));
        assertSame(s, heap.spanOf(s.end(SHIFT) - 1));
        assertEquals(0, heap.index().sizeClassOf(s.start));
        PageHeapStats st = heap.stats();
        assertEquals(10L * PAGE, st.largeBytes());
        assertEquals(1, st.largeSpans());
        heap.checkInvariants();
    }

    @Test
    void spanOf_foreignAddresses_isNull() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        carved(heap, 1, 1);
        assertNull(heap.spanOf(-8));
        assertNull(heap.spanOf(Long.MIN_VALUE));
        assertNull(heap.spanOf(1L << 50));
        assertNull(heap.spanOf(4096));
        assertEquals(0, heap.index().sizeClassOf(-1));
    }

    @Test
    void free_neighbours_coalesceIntoOneSpan() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        Span a = heap.allocate(4, 0);
        Span b = heap.allocate(4, 0);
        Span c = heap.allocate(8, 0); // the region is now used up
        assertEquals(1, os.maps);
        assertEquals(0, heap.stats().freeSpans());
        assertEquals(a.end(SHIFT), b.start);
        assertEquals(b.end(SHIFT), c.start);
        heap.free(a);
        heap.free(c);
        assertEquals(2, heap.stats().freeSpans());
        heap.checkInvariants();
        heap.free(b); // joins both neighbours
        assertEquals(1, heap.stats().freeSpans());
        Span whole = heap.spanOf(a.start);
        assertEquals(Span.FREE, whole.state);
        assertEquals(16, whole.pages);
        heap.checkInvariants();
        // The whole region serves one 16-page span without growing.
        Span again = heap.allocate(16, 0);
        assertEquals(a.start, again.start);
        assertEquals(1, os.maps);
        heap.checkInvariants();
    }

    @Test
    void allocate_bestFit_prefersTheSmallestFreeSpan() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span a = heap.allocate(10, 0);
        Span sep1 = heap.allocate(1, 0);
        Span b = heap.allocate(3, 0);
        Span sep2 = heap.allocate(1, 0);
        heap.free(a);
        heap.free(b);
        Span got = heap.allocate(3, 0);
        assertEquals(b.start, got.start, "a 3-page request takes the 3-page hole");
        Span got2 = heap.allocate(2, 0);
        assertEquals(a.start, got2.start, "then the 10-page hole, split");
        heap.checkInvariants();
        heap.free(sep1);
        heap.free(sep2);
        heap.checkInvariants();
    }

    @Test
    void allocate_longerThanMaxPages_usesTheOrderedSet() {
        MmapPageHeap heap = heap(new CountingMemory(), 4096);
        Span big = heap.allocate(1000, 0);
        Span sep = heap.allocate(1, 0);
        Span bigger = heap.allocate(2000, 0);
        Span sep2 = heap.allocate(1, 0);
        heap.free(bigger);
        heap.free(big);
        heap.checkInvariants();
        Span got = heap.allocate(900, 0);
        assertEquals(big.start, got.start, "best fit among long spans");
        Span got2 = heap.allocate(1500, 0);
        assertEquals(bigger.start, got2.start);
        heap.free(got);
        heap.free(got2);
        heap.free(sep);
        heap.free(sep2);
        heap.checkInvariants();
        assertEquals(0, heap.stats().largeBytes());
    }

    @Test
    void allocate_beyondARegion_mapsALargerOne() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        Span s = heap.allocate(100, 0);
        assertEquals(100, s.pages);
        NativeMemory.putLong(s.start + 99L * PAGE, 42);
        assertEquals(42, NativeMemory.getLong(s.start + 99L * PAGE));
        heap.checkInvariants();
    }

    @Test
    void releaseFreeMemory_countsBytes_andReusedPagesReadZero() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 32);
        Span s = heap.allocate(8, 0);
        for (long a = s.start; a < s.end(SHIFT); a += 8) {
            NativeMemory.putLong(a, 0x5A5A5A5A5A5A5A5AL);
        }
        heap.free(s);
        long free = heap.stats().freeBytes();
        assertEquals(8L * PAGE, free, "only the pages handed out were touched");
        long released = heap.releaseFreeMemory();
        assertEquals(free, released);
        assertEquals(released, os.released);
        PageHeapStats st = heap.stats();
        assertEquals(0, st.freeBytes());
        assertEquals(32L * PAGE, st.releasedBytes());
        assertEquals(1, st.freeSpans(), "released, the span merges with the untouched rest");
        assertEquals(0, heap.releaseFreeMemory(), "nothing left to release");
        heap.checkInvariants();

        Span again = heap.allocate(8, 0);
        assertEquals(s.start, again.start, "the released span is reused");
        for (long a = again.start; a < again.end(SHIFT); a += 8) {
            assertEquals(0, NativeMemory.getLong(a), "released pages come back zeroed");
        }
        st = heap.stats();
        assertEquals(24L * PAGE, st.releasedBytes(), "the rest stays released");
        heap.checkInvariants();
    }

    @Test
    void free_touchedNextToUntouched_staysApartUntilReleased() {
        MmapPageHeap heap = heap(new CountingMemory(), 16);
        Span a = heap.allocate(4, 0);
        Span b = heap.allocate(4, 0);
        heap.free(a);
        heap.free(b);
        heap.checkInvariants();
        assertEquals(2, heap.stats().freeSpans(), "8 touched pages, 8 untouched");
        assertEquals(8L * PAGE, heap.stats().freeBytes());
        heap.releaseFreeMemory();
        heap.checkInvariants();
        assertEquals(1, heap.stats().freeSpans());
    }

    @Test
    void allocateAligned_startsOnTheAlignment() {
        MmapPageHeap heap = heap(new CountingMemory(), 256);
        List<Span> spans = new ArrayList<>();
        for (long align : new long[] {PAGE, 2L * PAGE, 64L * 1024, 1L << 20}) {
            Span s = heap.allocateAligned(3, align);
            assertEquals(0, s.start % align, "alignment " + align);
            assertEquals(3, s.pages);
            spans.add(s);
            heap.checkInvariants();
        }
        spans.forEach(heap::free);
        heap.checkInvariants();
        assertThrows(IllegalArgumentException.class, () -> heap.allocateAligned(1, 3 * PAGE));
    }

    @Test
    void free_twice_isRejectedAndHeapStaysConsistent() {
        MmapPageHeap heap = heap(new CountingMemory(), 16);
        Span s = heap.allocate(2, 0);
        heap.free(s);
        assertThrows(IllegalArgumentException.class, () -> heap.free(s));
        heap.checkInvariants();
        assertNotNull(heap.allocate(2, 0));
    }

    @Test
    void allocate_badArguments_areRejected() {
        MmapPageHeap heap = heap(new CountingMemory(), 16);
        assertThrows(IllegalArgumentException.class, () -> heap.allocate(0, 0));
        assertThrows(IllegalArgumentException.class, () -> heap.allocate(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> heap.allocate(1, -1));
        assertThrows(OutOfMemoryError.class, () -> heap.allocate(1L << 40, 0));
        heap.checkInvariants();
    }

    @Test
    void allocate_whenTheSystemRefusesACommit_throwsOutOfMemoryAndStaysUsable() {
        CountingMemory os = new CountingMemory();
        os.limit = 40L * PAGE + MmapPageHeap.DEFAULT_GUARD; // the guard is mapped with the first region
        MmapPageHeap heap = heap(os, 32);
        Span s = heap.allocate(20, 0);
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> heap.allocate(40, 0));
        assertTrue(e.getMessage().contains("test limit"), e.getMessage());
        heap.checkInvariants();
        assertEquals(32L * PAGE, heap.stats().mappedBytes(), "a refused growth maps nothing");
        Span t = heap.allocate(12, 0);
        assertNotNull(t);
        heap.free(s);
        heap.free(t);
        heap.checkInvariants();
    }

    @Test
    void allocate_beyondTheReservation_realOs_isOutOfMemoryError() {
        MmapPageHeap heap = new MmapPageHeap(PAGE, 128, Mmap.INSTANCE, 16L * PAGE, RESERVATION);
        // 32 TiB: far beyond the reservation, refused before asking the OS.
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> heap.allocate(1L << 32, 0));
        assertTrue(e.getMessage().contains("address_space"), e.getMessage());
        assertThrows(OutOfMemoryError.class, () -> heap.allocateAligned(1, 2 * RESERVATION));
        heap.checkInvariants();
        Span s = heap.allocate(1, 0);
        heap.free(s);
        heap.checkInvariants();
        heap.close();
    }

    @Test
    void randomSequence_keepsInvariantsAndNeverOverlaps() {
        Random rnd = new Random(20261124);
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        TreeMap<Long, Span> live = new TreeMap<>();
        for (int step = 0; step < 3000; step++) {
            if (live.isEmpty() || rnd.nextInt(100) < 55) {
                long pages = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(300) : 1 + rnd.nextInt(8);
                int cl = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(40);
                Span s = rnd.nextInt(8) == 0 && cl == 0
                        ? heap.allocateAligned(pages, PAGE << rnd.nextInt(5))
                        : heap.allocate(pages, cl);
                Map.Entry<Long, Span> below = live.floorEntry(s.start);
                assertFalse(below != null && below.getValue().end(SHIFT) > s.start, "overlaps " + below);
                Map.Entry<Long, Span> above = live.ceilingEntry(s.start);
                assertFalse(above != null && above.getKey() < s.end(SHIFT), "overlaps " + above);
                NativeMemory.putLong(s.start, s.start);
                live.put(s.start, s);
            } else if (rnd.nextInt(4) == 0) {
                Span s = live.values().stream().filter(x -> x.state == Span.LARGE)
                        .skip(rnd.nextInt(live.size())).findFirst().orElse(null);
                if (s != null) {
                    long old = s.pages;
                    long pages = Math.max(1, old + rnd.nextInt(21) - 10);
                    boolean done = heap.resize(s, pages);
                    assertEquals(done ? pages : old, s.pages);
                    assertTrue(done || pages > old, "a shrink never fails");
                    Map.Entry<Long, Span> above = live.higherEntry(s.start);
                    assertFalse(above != null && above.getKey() < s.end(SHIFT), "grew over " + above);
                    NativeMemory.putLong(s.end(SHIFT) - 8, 1);
                    assertEquals(s.start, NativeMemory.getLong(s.start), "contents kept by a resize");
                }
            } else {
                Long key = live.keySet().stream().skip(rnd.nextInt(live.size())).findFirst().orElseThrow();
                Span s = live.remove(key);
                assertEquals(s.start, NativeMemory.getLong(s.start), "contents kept while allocated");
                heap.free(s);
            }
            if (step % 50 == 0) {
                heap.checkInvariants();
            }
            if (step % 700 == 0) {
                heap.releaseFreeMemory();
            }
        }
        live.values().forEach(heap::free);
        heap.checkInvariants();
        PageHeapStats st = heap.stats();
        assertEquals(0, st.largeBytes() + st.smallBytes());
        assertEquals(st.mappedBytes(), st.freeBytes() + st.releasedBytes());
    }

    @Test
    void close_givesTheMemoryBack_keepsWhatARacingCallMayTouchMapped_forgetsEverySpan_andRefusesEveryCall() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        assertEquals(RESERVATION + MmapPageHeap.DEFAULT_GUARD, os.reserved);
        Span small = carved(heap, 3, 5);
        Span large = heap.allocate(40, 0); // beyond one region: a second mapping
        Span aligned = heap.allocateAligned(2, 1 << 20);
        NativeMemory.putLong(large.start, 42);
        assertEquals(2 + 1, os.maps, "three regions mapped");
        assertTrue(os.mapped > 0);
        long words = os.classMapAddress;
        long smallWord = words + 8 * ((small.start - heap.base()) / PAGE + 2);
        heap.markCarved(small, 2, 64);
        assertEquals(5, NativeMemory.getLong(smallWord) & 0xff, "the words are writable while open");
        assertEquals(5, heap.index().sizeClassOf(small.start + 2L * PAGE));
        long committed = os.mapped;

        heap.close();

        assertEquals(committed, os.zeroedOnClose, "the mapped prefix and its guard went back as fresh zero pages");
        assertEquals(committed, os.mapped, "and stay mapped, for calls racing the close");
        assertEquals(RESERVATION + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the rest of the reservation stays reserved, for a later heap to take over");
        assertEquals(0, os.classMaps, "the words' memory went back");
        assertEquals(0, NativeMemory.getLong(smallWord), "the words still read, as zeros");
        assertEquals(0, NativeMemory.getLong(large.start), "block memory still reads, as zeros");
        NativeMemory.putLong(large.start + 8, 7); // and takes a racing push's write without a fault
        assertEquals(0, heap.index().blockClassOf(small.start));
        assertTrue(heap.isClosed());
        for (Span s : List.of(small, large, aligned)) {
            for (long a : new long[] {s.start, s.end(SHIFT) - 1}) {
                assertNull(heap.spanOf(a), "the page map forgot " + s);
                assertEquals(0, heap.index().sizeClassOf(a));
                assertFalse(heap.index().contains(a));
            }
        }
        assertEquals(heap.base(), heap.mappedEnd());
        assertThrows(IllegalStateException.class, () -> heap.allocate(1, 0));
        assertThrows(IllegalStateException.class, () -> carved(heap, 1, 5));
        assertThrows(IllegalStateException.class, () -> heap.allocateAligned(1, 1 << 16));
        assertThrows(IllegalStateException.class, () -> heap.free(large));
        assertThrows(IllegalStateException.class, () -> heap.resize(large, 1));
        assertThrows(IllegalStateException.class, heap::releaseFreeMemory);
        assertThrows(IllegalStateException.class, heap::stats);
        assertThrows(IllegalStateException.class, heap::checkInvariants);
        assertTrue(heap.toString().contains("closed"), heap.toString());
        heap.close(); // again: nothing more to do
        assertEquals(committed, os.mapped);
        assertEquals(RESERVATION + MmapPageHeap.DEFAULT_GUARD, os.reserved);
    }

    @Test
    void closedRanges_areTakenOver_afterTheirRest_orAtOnceWhenAddressSpaceIsShort() throws Exception {
        CountingMemory os = new CountingMemory();
        MmapPageHeap first = heap(os, 16);
        long base = first.base();
        Span s = carved(first, 2, 3);
        NativeMemory.putLong(s.start, 99);
        first.close();

        MmapPageHeap fresh = heap(os, 16); // within the second: a range of its own
        assertFalse(fresh.base() == base);
        fresh.close();

        os.reserveLimit = 0; // no more address space: the youngest range is taken over at once
        MmapPageHeap short1 = heap(os, 16);
        assertTrue(short1.base() == base || short1.base() == fresh.base(), "a closed range was taken over");
        assertEquals(0, short1.stats().mappedBytes(), "a fresh heap over it");
        Span again = carved(short1, 2, 3);
        assertEquals(0, NativeMemory.getLong(again.start), "its pages read zero");
        short1.checkInvariants();
        short1.close();

        os.reserveLimit = Long.MAX_VALUE;
        Thread.sleep(MmapPageHeap.Retired.REUSE_AFTER_NANOS / 1_000_000 + 100);
        long reservations = os.reserved;
        MmapPageHeap rested = heap(os, 16);
        assertEquals(reservations, os.reserved, "a rested range, no new reservation");
        rested.allocate(4, 0);
        rested.checkInvariants();
        rested.close();
    }

    @Test
    void close_ofAnUnusedHeap_returnsTheReservation() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        heap.close();
        assertEquals(0, os.maps);
        assertEquals(RESERVATION + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the range stays reserved, for a later heap to take over");
        assertEquals(0, os.classMaps);
        assertThrows(IllegalStateException.class, () -> heap.allocate(1, 0));
    }

    // ------------------------------------------------------------------ the reservation and the flat map

    @Test
    void constructor_reservesTheAddressSpace_alignedAndUnmappedUntilUsed() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        assertEquals(RESERVATION, heap.reservedBytes());
        assertEquals(RESERVATION + MmapPageHeap.DEFAULT_GUARD, os.reserved, "the alignment slack was trimmed");
        assertEquals(0, heap.base() % PAGE);
        assertEquals(heap.base(), heap.mappedEnd());
        assertEquals(0, os.mapped);
        assertEquals((8 * (RESERVATION / PAGE) + 4095) & -4096L, os.classMaps,
                "a word of 8 bytes per page of the reservation");
        assertFalse(heap.index().contains(heap.base()));
        assertEquals(0, heap.stats().mappedBytes());
        heap.checkInvariants();
        heap.close();
    }

    @Test
    void constructor_largePages_alignTheReservationStart() {
        CountingMemory os = new CountingMemory();
        int page = 1 << 16;
        MmapPageHeap heap = new MmapPageHeap(page, 16, os, 4L * page, 64L << 20);
        assertEquals(0, heap.base() % page);
        assertEquals(64L << 20, heap.reservedBytes());
        assertEquals((64L << 20) + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the slack before and after the aligned range (and its guard) was unmapped");
        Span s = carved(heap, 3, 2);
        assertEquals(0, s.start % page);
        assertEquals(2, heap.index().sizeClassOf(s.start + 3L * page - 1));
        heap.checkInvariants();
        heap.close();
        assertEquals(heap.reservedBytes() + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the range stays reserved, for a later heap to take over");
    }

    @Test
    void constructor_reservationRefused_halvesUntilTheOsAccepts() {
        CountingMemory os = new CountingMemory();
        os.reserveLimit = 100L << 20;
        MmapPageHeap heap = heap(os, 16, RESERVATION / PAGE);
        assertEquals(64L << 20, heap.reservedBytes(), "1 GiB, 512, 256 and 128 MiB refused");
        assertEquals(4, os.refusedReservations);
        assertEquals((64L << 20) + MmapPageHeap.DEFAULT_GUARD, os.reserved);
        assertEquals((8 * ((64L << 20) / PAGE) + 4095) & -4096L, os.classMaps,
                "the words cover what was reserved");
        Span s = carved(heap, 4, 3);
        assertTrue(heap.index().contains(s.start));
        heap.checkInvariants();
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> heap.allocate((64L << 20) / PAGE, 0));
        assertTrue(e.getMessage().contains("address_space") && e.getMessage().contains("1073741824 configured"),
                e.getMessage());
        heap.checkInvariants();
        heap.close();
        assertEquals(heap.reservedBytes() + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the range stays reserved, for a later heap to take over");
    }

    @Test
    void constructor_classMapRefused_halvesToo() {
        CountingMemory os = new CountingMemory();
        os.mapLimit = (8 * ((RESERVATION / 2) / PAGE) + 4095) & -4096L;
        MmapPageHeap heap = heap(os, 16);
        assertEquals(RESERVATION / 2, heap.reservedBytes());
        assertEquals(RESERVATION / 2 + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the first reservation went back with its refused class map");
        carved(heap, 1, 1);
        heap.checkInvariants();
        heap.close();
        assertEquals(heap.reservedBytes() + MmapPageHeap.DEFAULT_GUARD, os.reserved,
                "the range stays reserved, for a later heap to take over");
    }

    @Test
    void constructor_everyReservationRefused_isOutOfMemoryNamingAddressSpace() {
        CountingMemory os = new CountingMemory();
        os.reserveLimit = 32L << 20;
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> heap(os, 16));
        String m = e.getMessage();
        assertTrue(m.contains("address_space = 1073741824") && m.contains("down to 67108864")
                && m.contains("test reservation limit"), m);
        assertEquals(5, os.refusedReservations, "1 GiB down to the 64 MiB floor");
        assertEquals(0, os.reserved);
        assertEquals(0, os.classMaps);

        // A configured size below the floor is the floor: it is tried once.
        CountingMemory small = new CountingMemory();
        small.reserveLimit = 8L << 20;
        assertThrows(OutOfMemoryError.class, () -> heap(small, 16, (16L << 20) / PAGE));
        assertEquals(1, small.refusedReservations);
    }

    @Test
    void constructor_badAddressSpace_isRejected() {
        CountingMemory os = new CountingMemory();
        assertThrows(IllegalArgumentException.class, () -> new MmapPageHeap(PAGE, 128, os, PAGE, PAGE + 4096));
        assertThrows(IllegalArgumentException.class, () -> new MmapPageHeap(PAGE, 128, os, PAGE, 0));
        assertThrows(IllegalArgumentException.class, () -> new MmapPageHeap(PAGE, 128, os, PAGE, 1L << 47));
        assertEquals(0, os.reserved);
    }

    @Test
    void defaultConfig_realOs_reservesTheConfiguredAddressSpace() {
        Config config = Config.defaults();
        MmapPageHeap heap = new MmapPageHeap(config, Mmap.INSTANCE);
        try {
            // 256 GiB unless this machine limits address space, then a power-of-two fraction of it.
            long reserved = heap.reservedBytes();
            assertTrue(reserved <= config.addressSpace() && reserved >= MmapPageHeap.MIN_RESERVATION, "" + reserved);
            assertEquals(0, Long.bitCount(config.addressSpace() / reserved) - 1);
            Span s = heap.allocate(2, 1);
            heap.markCarved(s, 0, config.classes().get(0).size());
            Span l = heap.allocate(200, 0);
            NativeMemory.putLong(l.end(13) - 8, 7);
            assertEquals(1, heap.index().sizeClassOf(s.start));
            assertTrue(heap.index().contains(l.end(13) - 8));
            assertFalse(heap.index().contains(heap.base() + reserved - 1));
            assertEquals(0, heap.index().sizeClassOf(heap.base() + reserved - 1));
            assertEquals(MmapPageHeap.REGION_BYTES, heap.stats().mappedBytes());
            heap.checkInvariants();
        } finally {
            heap.close();
        }
    }

    @Test
    void sizeClassOf_andContains_atTheEdgesOfTheReservation_neverFault() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16, 64);
        long base = heap.base();
        long reservationEnd = base + 64L * PAGE;
        Span first = carved(heap, 3, 5);
        Span last = carved(heap, 13, 9); // ends the 16-page mapped prefix
        assertEquals(base, first.start);
        long mappedEnd = heap.mappedEnd();
        assertEquals(base + 16L * PAGE, mappedEnd);
        assertEquals(mappedEnd, last.end(SHIFT));

        assertIn(heap, base, 5, first);
        assertIn(heap, mappedEnd - 1, 9, last);
        long[] outside = {base - 1, base - PAGE, mappedEnd, mappedEnd + PAGE, reservationEnd - 1, reservationEnd,
            0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, base + Long.MIN_VALUE, base - Long.MIN_VALUE,
            base + Long.MAX_VALUE, mappedEnd - 1 - Long.MIN_VALUE};
        for (long a : outside) {
            assertOut(heap, a);
        }
        heap.checkInvariants();

        // Map the rest of the reservation: its last byte becomes ours, its end stays foreign.
        Span rest = carved(heap, 48, 7);
        assertEquals(reservationEnd, heap.mappedEnd());
        assertIn(heap, reservationEnd - 1, 7, rest);
        for (long a : new long[] {reservationEnd, base - 1, 0, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertOut(heap, a);
        }
        heap.checkInvariants();
        heap.close();
        for (long a : new long[] {base, mappedEnd - 1, reservationEnd - 1}) {
            assertOut(heap, a);
        }
    }

    /**
     * The free fast path's divisibility test against {@code %}, for every block
     * size a class may have that the fast test covers (multiples of 8 up to
     * 64 KiB), at every page of a span of 8 KiB pages up to the size's least
     * common multiple with the page (after which phases repeat; at most 16) and every
     * 8-byte offset in the page, plus 1-byte offsets on the first page.
     */
    @Test
    void blockClassOf_agreesWithTheRemainder_forEveryFastSizeAndOffset() {
        MmapPageHeap heap = heap(new CountingMemory(), 16);
        long base = heap.base();
        for (int size = 8; size <= HeapIndex.FAST_CHECK_MAX_SIZE; size += 8) {
            long pages = Math.min(16, size / java.math.BigInteger.valueOf(size).gcd(java.math.BigInteger.valueOf(PAGE))
                    .longValueExact()); // phases repeat after lcm(size, page) bytes
            for (long page = 0; page < pages; page++) {
                long w = heap.index().word(3, page, size);
                long c = w >>> 24;
                long phase = (w >>> 8) & 0xffff;
                assertEquals((page * PAGE) % size, phase);
                for (long off = 0; off < PAGE; off += page == 0 ? 1 : 8) {
                    long n = off + phase;
                    boolean fast = ((n * c) & ((1L << HeapIndex.TEST_BITS) - 1)) < c;
                    if (fast != ((page * PAGE + off) % size == 0)) {
                        fail("size " + size + ", page " + page + ", offset " + off + ": fast test says " + fast);
                    }
                }
            }
        }
        assertEquals(0, heap.index().word(3, 0, HeapIndex.FAST_CHECK_MAX_SIZE + 8) >>> 8,
                "larger blocks take the span-based check");
        heap.close();
    }

    /**
     * A SMALL span of {@code pages} pages of class {@code cl}, every page marked
     * carved as the central free list marks it, with 64-byte blocks (a block
     * starts on every page boundary, so every page's word is the class).
     */
    static Span carved(MmapPageHeap heap, long pages, int cl) {
        Span s = heap.allocate(pages, cl);
        for (long p = 0; p < pages; p++) {
            heap.markCarved(s, p, 64);
        }
        return s;
    }

    private static void assertIn(MmapPageHeap heap, long address, int sizeClass, Span span) {
        String at = "0x" + Long.toHexString(address);
        assertTrue(heap.index().contains(address), at);
        assertEquals(sizeClass, heap.index().sizeClassOf(address), at);
        assertSame(span, heap.spanOf(address), at);
    }

    private static void assertOut(MmapPageHeap heap, long address) {
        String at = "0x" + Long.toHexString(address);
        assertFalse(heap.index().contains(address), at);
        assertEquals(0, heap.index().sizeClassOf(address), at);
        assertNull(heap.spanOf(address), at);
    }

    @Test
    void allocate_regionsAreMappedInOrderInsideTheReservation() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16, 256);
        heap.allocate(10, 0);
        heap.allocate(30, 0); // the 6 free tail pages count: 24 more are mapped
        assertEquals(2, os.maps);
        assertEquals(40L * PAGE, heap.stats().mappedBytes(), "16 pages, then 24");
        carved(heap, 1, 2);
        assertEquals(3, os.maps);
        assertEquals(56L * PAGE, heap.stats().mappedBytes(), "then a whole region");
        long at = heap.base();
        for (long[] c : os.commits) {
            assertEquals(at, c[0], "each region follows the previous one");
            at = c[1];
        }
        assertEquals(heap.mappedEnd() + MmapPageHeap.DEFAULT_GUARD, at, "the guard is mapped beyond the prefix");
        assertTrue(at <= heap.base() + heap.reservedBytes() + MmapPageHeap.DEFAULT_GUARD);
        heap.checkInvariants();
        heap.close();
    }

    @Test
    void allocate_upToAFullReservation_thenOutOfMemoryNamingAddressSpace_andStaysUsable() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16, 64);
        List<Span> spans = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            spans.add(carved(heap, 1, 3));
        }
        assertEquals(64L * PAGE, heap.stats().mappedBytes());
        assertEquals(heap.base() + heap.reservedBytes(), heap.mappedEnd());
        assertEquals(4, os.maps);
        heap.checkInvariants();

        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> carved(heap, 1, 3));
        assertTrue(e.getMessage().contains("address_space = " + 64L * PAGE), e.getMessage());
        assertThrows(OutOfMemoryError.class, () -> heap.allocate(1, 0));
        assertThrows(OutOfMemoryError.class, () -> heap.allocate(65, 0));
        assertThrows(OutOfMemoryError.class, () -> heap.allocateAligned(1, 64L * PAGE));
        heap.checkInvariants();
        assertEquals(64L * PAGE, heap.stats().smallBytes());
        assertEquals(4, os.maps, "nothing more was asked of the OS");

        heap.free(spans.get(10));
        heap.free(spans.get(11));
        heap.free(spans.get(40));
        heap.checkInvariants();
        Span two = heap.allocate(2, 0);
        assertEquals(spans.get(10).start, two.start);
        Span one = carved(heap, 1, 4);
        assertEquals(spans.get(40).start, one.start);
        assertEquals(4, heap.index().sizeClassOf(one.start));
        assertThrows(OutOfMemoryError.class, () -> carved(heap, 1, 3));
        heap.checkInvariants();

        // Near the end, a free tail counts and a region is cut to what the reservation has left.
        CountingMemory os2 = new CountingMemory();
        MmapPageHeap heap2 = heap(os2, 16, 40);
        heap2.allocate(20, 0); // 20 pages mapped
        heap2.allocate(4, 0); // a region of 16: 36 mapped, 12 free at the end
        Span tail = heap2.allocate(16, 0); // the 12 free pages and the last 4 of the reservation
        assertEquals(3, os2.maps);
        assertEquals(heap2.base() + 40L * PAGE, tail.end(SHIFT));
        assertEquals(heap2.mappedEnd(), tail.end(SHIFT));
        heap2.free(tail);
        assertThrows(OutOfMemoryError.class, () -> heap2.allocate(17, 0));
        assertEquals(16, heap2.allocate(16, 0).pages);
        heap2.checkInvariants();
        heap.close();
        heap2.close();
    }

    @Test
    void stats_metadataBytes_countSpanLeavesAndTouchedClassMap() {
        MmapPageHeap heap = heap(new CountingMemory(), 16);
        long before = heap.stats().metadataBytes();
        carved(heap, 1, 1);
        long after = heap.stats().metadataBytes();
        assertTrue(after >= before + 4L * (1 << PageMap.LEAF_BITS) + 4096, before + " -> " + after);
        heap.close();
    }

    @Test
    void lookups_racingGrowth_seeEveryHandedOutBlock_andNeverFault() throws Exception {
        MmapPageHeap heap = heap(new CountingMemory(), 16, 4096);
        long base = heap.base();
        long end = base + heap.reservedBytes();
        BlockingQueue<Span> handedOut = new ArrayBlockingQueue<>(8192);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            Random rnd = new Random(7);
            try {
                for (int seen = 0; seen < 4096; ) {
                    long a = base - PAGE + (long) (rnd.nextDouble() * (end - base + 2L * PAGE));
                    int cl = heap.index().sizeClassOf(a);
                    boolean in = heap.index().contains(a);
                    if (cl != 0 && (cl != 3 || a < base || a >= end)) {
                        throw new AssertionError("class " + cl + " at 0x" + Long.toHexString(a));
                    }
                    if (in && (a < base || a >= heap.mappedEnd())) {
                        throw new AssertionError("contains beyond the mapped prefix: 0x" + Long.toHexString(a));
                    }
                    Span s = handedOut.poll();
                    if (s != null) {
                        seen++;
                        if (heap.index().sizeClassOf(s.end(SHIFT) - 1) != 3 || !heap.index().contains(s.start)
                                || heap.spanOf(s.start) != s) {
                            throw new AssertionError("a handed-out span is not seen: " + s);
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int i = 0; i < 4096 && failure.get() == null; i++) {
            handedOut.put(carved(heap, 1, 3));
        }
        reader.join(60_000);
        assertFalse(reader.isAlive());
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(end, heap.mappedEnd());
        heap.checkInvariants();
        heap.close();
    }

    // ------------------------------------------------------------------ resize

    @Test
    void resize_shrink_returnsTheTailAndCoalescesIt() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span a = heap.allocate(20, 0);
        long start = a.start;
        assertTrue(heap.resize(a, 8));
        assertEquals(start, a.start);
        assertEquals(8, a.pages);
        assertSame(a, heap.spanOf(a.end(SHIFT) - 1));
        Span tail = heap.spanOf(a.end(SHIFT));
        assertEquals(Span.FREE, tail.state);
        assertEquals(12, tail.pages, "touched: not joined with the untouched rest of the region");
        PageHeapStats st = heap.stats();
        assertEquals(8L * PAGE, st.largeBytes());
        assertEquals(12L * PAGE, st.freeBytes());
        assertEquals(44L * PAGE, st.releasedBytes());
        assertEquals(2, st.freeSpans());
        heap.checkInvariants();

        // With a span in use after it, the tail stays a span of its own.
        Span b = heap.allocate(4, 0);
        assertEquals(a.end(SHIFT), b.start);
        Span c = heap.allocate(4, 0);
        assertTrue(heap.resize(b, 1));
        Span hole = heap.spanOf(b.end(SHIFT));
        assertEquals(Span.FREE, hole.state);
        assertEquals(3, hole.pages);
        assertEquals(c.start, hole.end(SHIFT));
        assertEquals(3, heap.stats().freeSpans(), "the hole, the touched rest after c, the untouched rest");
        heap.checkInvariants();
        assertTrue(heap.resize(b, 1), "the same size is a success that changes nothing");
        heap.free(a);
        heap.free(b);
        heap.free(c);
        heap.checkInvariants();
        assertEquals(2, heap.stats().freeSpans(), "20 touched pages, 44 untouched");
        heap.close();
    }

    @Test
    void resize_grow_takesTheFrontOfAFreeNeighbour() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span a = heap.allocate(10, 0);
        Span b = heap.allocate(10, 0);
        heap.free(b); // free from page 10 to the end of the region
        assertTrue(heap.resize(a, 30));
        assertEquals(30, a.pages);
        assertSame(a, heap.spanOf(a.end(SHIFT) - 1));
        NativeMemory.putLong(a.end(SHIFT) - 8, 99);
        Span rest = heap.spanOf(a.end(SHIFT));
        assertEquals(Span.FREE, rest.state);
        assertEquals(34, rest.pages, "b's touched pages and the front of the untouched rest were taken");
        assertEquals(30L * PAGE, heap.stats().largeBytes());
        assertEquals(34L * PAGE, heap.stats().releasedBytes());
        assertEquals(0, heap.stats().freeBytes());
        heap.checkInvariants();

        assertTrue(heap.resize(a, 64), "takes the whole neighbour");
        assertEquals(0, heap.stats().freeSpans());
        assertEquals(99, NativeMemory.getLong(a.start + 30L * PAGE - 8), "contents kept");
        heap.checkInvariants();
        assertFalse(heap.resize(a, 65), "nothing after the mapped prefix");
        assertEquals(64, a.pages);
        heap.checkInvariants();
        heap.free(a);
        heap.checkInvariants();
        heap.close();
    }

    @Test
    void resize_grow_intoAReleasedNeighbour_keepsTheAccounting() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 64);
        Span a = heap.allocate(10, 0);
        assertEquals(0, heap.releaseFreeMemory(), "the rest of the region was never touched");
        PageHeapStats before = heap.stats();
        assertEquals(54L * PAGE, before.releasedBytes());
        assertTrue(heap.resize(a, 20));
        PageHeapStats st = heap.stats();
        assertEquals(before.mappedBytes(), st.mappedBytes());
        assertEquals(20L * PAGE, st.largeBytes());
        assertEquals(44L * PAGE, st.releasedBytes(), "the taken pages are no longer released");
        assertEquals(0, st.freeBytes());
        assertTrue(heap.spanOf(a.end(SHIFT)).released, "the rest stays released");
        for (long p = a.start + 10L * PAGE; p < a.end(SHIFT); p += 512) {
            assertEquals(0, NativeMemory.getLong(p), "released pages come back zeroed");
        }
        NativeMemory.putLong(a.end(SHIFT) - 8, 5);
        heap.checkInvariants();
        assertTrue(heap.resize(a, 12), "shrinking gives back backed pages");
        st = heap.stats();
        assertEquals(12L * PAGE, st.largeBytes());
        assertEquals(52L * PAGE, st.freeBytes() + st.releasedBytes());
        heap.checkInvariants();
        heap.close();
    }

    @Test
    void resize_grow_refusedWhenTheNeighbourIsInUseOrTooShort() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span a = heap.allocate(10, 0);
        Span b = carved(heap, 5, 3);
        Span c = heap.allocate(3, 0);
        assertFalse(heap.resize(a, 11), "a small span in use follows");
        assertEquals(10, a.pages);
        heap.free(b);
        PageHeapStats before = heap.stats();
        assertFalse(heap.resize(a, 16), "the free neighbour has only 5 pages");
        assertEquals(10, a.pages);
        assertEquals(before, heap.stats(), "a refusal changes nothing");
        heap.checkInvariants();
        assertTrue(heap.resize(a, 15), "exactly the neighbour");
        assertEquals(c.start, a.end(SHIFT));
        assertFalse(heap.resize(a, 16), "a large span in use follows");
        assertFalse(heap.resize(a, Long.MAX_VALUE));
        heap.checkInvariants();
        heap.close();
    }

    @Test
    void resize_badSpans_areRejected() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        MmapPageHeap other = heap(new CountingMemory(), 64);
        Span small = carved(heap, 2, 4);
        Span large = heap.allocate(4, 0);
        Span freed = heap.allocate(4, 0);
        heap.free(freed);
        Span foreign = other.allocate(4, 0);
        assertThrows(IllegalArgumentException.class, () -> heap.resize(small, 3));
        assertThrows(IllegalArgumentException.class, () -> heap.resize(freed, 3));
        assertThrows(IllegalArgumentException.class, () -> heap.resize(foreign, 3));
        assertThrows(IllegalArgumentException.class, () -> heap.resize(null, 3));
        assertThrows(IllegalArgumentException.class, () -> heap.resize(new Span(large.start, 4), 3));
        assertThrows(IllegalArgumentException.class, () -> heap.resize(large, 0));
        assertThrows(IllegalArgumentException.class, () -> heap.resize(large, -1));
        assertEquals(4, large.pages);
        heap.checkInvariants();
        other.checkInvariants();
        heap.close();
        other.close();
    }
}
