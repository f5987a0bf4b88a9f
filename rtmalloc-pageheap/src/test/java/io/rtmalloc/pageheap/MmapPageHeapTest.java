package io.rtmalloc.pageheap;

import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmapPageHeapTest {

    static final int PAGE = 8192;
    static final int SHIFT = 13;

    /** The real OS memory, counting what passes through. */
    static final class CountingMemory implements SystemMemory {
        long mapped;
        long released;
        int maps;
        long limit = Long.MAX_VALUE;

        @Override
        public long map(long bytes) {
            if (mapped + bytes > limit) {
                throw new OutOfMemoryError("test limit of " + limit + " bytes");
            }
            long a = Mmap.INSTANCE.map(bytes);
            mapped += bytes;
            maps++;
            return a;
        }

        @Override
        public void unmap(long address, long bytes) {
            Mmap.INSTANCE.unmap(address, bytes);
            mapped -= bytes;
        }

        @Override
        public void release(long address, long bytes) {
            Mmap.INSTANCE.release(address, bytes);
            released += bytes;
        }
    }

    private static MmapPageHeap heap(CountingMemory os, long regionPages) {
        return new MmapPageHeap(PAGE, 128, os, regionPages * PAGE);
    }

    @Test
    void allocate_smallSpan_mapsEveryPageToIt() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        Span s = heap.allocate(5, 7);
        assertEquals(Span.SMALL, s.state);
        assertEquals(0, s.start % PAGE);
        for (long a = s.start; a < s.end(SHIFT); a += 1000) {
            assertSame(s, heap.spanOf(a));
            assertEquals(7, heap.sizeClassOf(a));
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
        assertEquals(0, heap.sizeClassOf(s.start));
        PageHeapStats st = heap.stats();
        assertEquals(10L * PAGE, st.largeBytes());
        assertEquals(1, st.largeSpans());
        heap.checkInvariants();
    }

    @Test
    void spanOf_foreignAddresses_isNull() {
        MmapPageHeap heap = heap(new CountingMemory(), 64);
        heap.allocate(1, 1);
        assertNull(heap.spanOf(-8));
        assertNull(heap.spanOf(Long.MIN_VALUE));
        assertNull(heap.spanOf(1L << 50));
        assertNull(heap.spanOf(4096));
        assertEquals(0, heap.sizeClassOf(-1));
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
        assertEquals(32L * PAGE, free);
        long released = heap.releaseFreeMemory();
        assertEquals(free, released);
        assertEquals(released, os.released);
        PageHeapStats st = heap.stats();
        assertEquals(0, st.freeBytes());
        assertEquals(released, st.releasedBytes());
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
    void free_releasedNextToBacked_coalesces() {
        MmapPageHeap heap = heap(new CountingMemory(), 16);
        Span a = heap.allocate(4, 0);
        Span b = heap.allocate(4, 0);
        heap.releaseFreeMemory(); // the 8-page rest is released
        heap.free(a);
        heap.free(b);
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
    void allocate_whenTheSystemRefuses_throwsOutOfMemoryAndStaysUsable() {
        CountingMemory os = new CountingMemory();
        os.limit = 40L * PAGE;
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
    void allocate_realOsRefusal_isOutOfMemoryError() {
        MmapPageHeap heap = new MmapPageHeap(PAGE, 128, Mmap.INSTANCE, 16L * PAGE);
        // 32 TiB: more than this machine's memory and swap, so the kernel refuses it.
        assertThrows(OutOfMemoryError.class, () -> heap.allocate(1L << 32, 0));
        heap.checkInvariants();
        Span s = heap.allocate(1, 0);
        heap.free(s);
        heap.checkInvariants();
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
    void close_unmapsEveryRegion_forgetsEverySpan_andRefusesEveryCall() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        Span small = heap.allocate(3, 5);
        Span large = heap.allocate(40, 0); // beyond one region: a second mapping
        Span aligned = heap.allocateAligned(2, 1 << 20);
        NativeMemory.putLong(large.start, 42);
        assertEquals(2 + 1, os.maps, "three regions mapped");
        assertTrue(os.mapped > 0);

        heap.close();

        assertEquals(0, os.mapped, "every byte mapped was unmapped");
        assertTrue(heap.isClosed());
        for (Span s : List.of(small, large, aligned)) {
            assertNull(heap.spanOf(s.start), "the page map forgot " + s);
            assertEquals(0, heap.sizeClassOf(s.start));
        }
        assertThrows(IllegalStateException.class, () -> heap.allocate(1, 0));
        assertThrows(IllegalStateException.class, () -> heap.allocate(1, 5));
        assertThrows(IllegalStateException.class, () -> heap.allocateAligned(1, 1 << 16));
        assertThrows(IllegalStateException.class, () -> heap.free(large));
        assertThrows(IllegalStateException.class, heap::releaseFreeMemory);
        assertThrows(IllegalStateException.class, heap::stats);
        assertThrows(IllegalStateException.class, heap::checkInvariants);
        assertTrue(heap.toString().contains("closed"), heap.toString());
        heap.close(); // again: nothing more to do
        assertEquals(0, os.mapped);
    }

    @Test
    void close_ofAnUnusedHeap_unmapsNothing() {
        CountingMemory os = new CountingMemory();
        MmapPageHeap heap = heap(os, 16);
        heap.close();
        assertEquals(0, os.maps);
        assertThrows(IllegalStateException.class, () -> heap.allocate(1, 0));
    }
}
