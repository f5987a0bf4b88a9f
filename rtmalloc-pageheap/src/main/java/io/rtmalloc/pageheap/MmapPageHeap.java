package io.rtmalloc.pageheap;

import io.rtmalloc.Config;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.Span;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The page heap: spans of whole pages carved from regions mapped from the OS.
 *
 * <p>SYNCHRONIZATION: one lock (this object's monitor) guards the free lists,
 * the regions, the counters, every FREE span and the transitions of spans into
 * and out of the heap. Page-map reads ({@link #spanOf}, {@link #sizeClassOf})
 * take no lock.
 *
 * <p>INVARIANTS (checked by {@link #checkInvariants()}):
 * <ul>
 *   <li>the spans tile every mapped region: walking from a region's start by
 *       span lengths reaches its end, each span's first page mapping to it;</li>
 *   <li>no two FREE spans are adjacent (coalescing is complete);</li>
 *   <li>a FREE span's first and last pages map to it, and it is in the free list
 *       matching its length and {@code released} flag;</li>
 *   <li>a SMALL span's every page maps to it with its class; a LARGE span's first
 *       and last pages map to it with class 0;</li>
 *   <li>{@code mapped = small + large + free backed + free released}.</li>
 * </ul>
 *
 * <p>Memory comes in regions of at least {@link #REGION_BYTES}; released pages
 * ({@code MADV_DONTNEED}) stay mapped and are simply reused, the OS giving them
 * back zeroed on first touch. Nothing is unmapped once in use until
 * {@link #close()}, so every address a span ever covered stays readable and
 * writable while the heap is open. Closing unmaps every region and empties the
 * page map first, so that a lookup after it finds no span and no size class.
 */
final class MmapPageHeap implements PageHeap {

    /** Bytes mapped at a time, unless one allocation needs more. */
    static final long REGION_BYTES = 64L << 20;

    private final SystemMemory os;
    private final int pageShift;
    private final long pageSize;
    private final PageMap pageMap;
    private final FreeLists free;
    private final long regionPages;

    /** Mapped regions as {start, end} pairs, for invariant checks. */
    private final List<long[]> regions = new ArrayList<>();
    private long mappedBytes;
    private long smallBytes;
    private long largeBytes;
    private long largeSpans;
    /** Spans not DEAD: free, small and large. */
    private long liveSpans;
    /** Cumulative counts (under the lock, so they cost no contention of their own). */
    private long spansAllocated;
    private long spansFreed;
    private long bytesReleasedTotal;
    private boolean closed;

    MmapPageHeap(Config config, SystemMemory os) {
        this(config.pageSize(), config.maxPages(), os, REGION_BYTES);
    }

    MmapPageHeap(int pageSize, int maxPages, SystemMemory os, long regionBytes) {
        if (Integer.bitCount(pageSize) != 1 || pageSize < 4096) {
            throw new IllegalArgumentException("page size must be a power of two >= 4096: " + pageSize);
        }
        this.os = os;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.pageMap = new PageMap(pageShift);
        this.free = new FreeLists(maxPages, pageShift);
        this.regionPages = Math.max(1, regionBytes >>> pageShift);
    }

    @Override
    public int pageSize() {
        return (int) pageSize;
    }

    @Override
    public int pageShift() {
        return pageShift;
    }

    @Override
    public Span spanOf(long address) {
        return pageMap.get(address);
    }

    @Override
    public int sizeClassOf(long address) {
        return pageMap.sizeClass(address);
    }

    @Override
    public synchronized boolean contains(long address) {
        for (long[] r : regions) {
            if (address >= r[0] && address < r[1]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized boolean resize(Span span, long pages) {
        return false;
    }

    // ------------------------------------------------------------------ allocation

    @Override
    public synchronized Span allocate(long pages, int sizeClass) {
        ensureOpen();
        checkPages(pages);
        if (sizeClass < 0 || sizeClass > 127) {
            throw new IllegalArgumentException("size class out of range: " + sizeClass);
        }
        Span s = take(pages);
        carve(s, pages);
        return use(s, sizeClass);
    }

    @Override
    public synchronized Span allocateAligned(long pages, long alignment) {
        ensureOpen();
        checkPages(pages);
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        long alignPages = Math.max(1, alignment >>> pageShift);
        if (alignPages - 1 > maxPagesAllowed() - pages) {
            throw new OutOfMemoryError("rtmalloc: cannot allocate " + pages + " pages aligned to " + alignment);
        }
        Span s = take(pages + alignPages - 1);
        long alignedStart = (s.start + alignment - 1) & -alignment;
        long lead = (alignedStart - s.start) >>> pageShift;
        if (lead > 0) {
            // The lead is bounded by a span that is not free (s was coalesced) and by s itself.
            Span head = new Span(s.start, lead);
            head.released = s.released;
            s.start = alignedStart;
            s.pages -= lead;
            head.state = Span.FREE;
            pageMap.setEnds(head, 0);
            free.insert(head);
            liveSpans++;
        }
        carve(s, pages);
        return use(s, 0);
    }

    private static long maxPagesAllowed() {
        return 1L << 40;
    }

    private void checkPages(long pages) {
        if (pages <= 0) {
            throw new IllegalArgumentException("pages must be > 0: " + pages);
        }
        if (pages > (1L << (PageMap.ADDRESS_BITS - 1 - pageShift))) {
            throw new OutOfMemoryError("rtmalloc: cannot allocate " + pages + " pages: more than the address space");
        }
    }

    /** Removes a free span of at least {@code pages} pages from the lists, growing the heap if needed. */
    private Span take(long pages) {
        Span s = free.bestFit(pages);
        if (s == null) {
            grow(pages);
            s = free.bestFit(pages);
            if (s == null) {
                throw new IllegalStateException("no fit after growing by " + pages + " pages");
            }
        }
        free.remove(s);
        return s;
    }

    /** Cuts {@code s} (already out of the lists) to {@code pages}, returning the rest to the lists. */
    private void carve(Span s, long pages) {
        long rest = s.pages - pages;
        if (rest > 0) {
            Span tail = new Span(s.start + (pages << pageShift), rest);
            tail.state = Span.FREE;
            tail.released = s.released;
            s.pages = pages;
            pageMap.setEnds(tail, 0);
            free.insert(tail);
            liveSpans++;
        }
    }

    private Span use(Span s, int sizeClass) {
        spansAllocated++;
        s.released = false;
        s.prev = null;
        s.next = null;
        s.sizeClass = sizeClass;
        s.freeList = 0;
        s.allocated = 0;
        s.carved = 0;
        long bytes = s.pages << pageShift;
        if (sizeClass == 0) {
            s.state = Span.LARGE;
            pageMap.setEnds(s, 0);
            largeBytes += bytes;
            largeSpans++;
        } else {
            s.state = Span.SMALL;
            pageMap.setAll(s, sizeClass);
            smallBytes += bytes;
        }
        return s;
    }

    /** Maps a new region of at least {@code pages} pages and adds it to the free lists. */
    private void grow(long pages) {
        long want = Math.max(pages, regionPages);
        long bytes = want << pageShift;
        long raw = os.map(bytes + pageSize); // room to align the start to a page
        long start = (raw + pageSize - 1) & -pageSize;
        long end = start + bytes;
        if (!PageMap.covers(start) || !PageMap.covers(end - 1)) {
            os.unmap(raw, bytes + pageSize);
            throw new OutOfMemoryError("rtmalloc: the OS mapped memory beyond the 48-bit page map");
        }
        if (start > raw) {
            os.unmap(raw, start - raw);
        }
        long rawEnd = raw + bytes + pageSize;
        if (rawEnd > end) {
            os.unmap(end, rawEnd - end);
        }
        regions.add(new long[] {start, end});
        mappedBytes += bytes;
        Span s = new Span(start, want);
        s.state = Span.FREE;
        liveSpans++;
        insertCoalesced(s);
    }

    // ------------------------------------------------------------------ freeing

    @Override
    public synchronized void free(Span s) {
        ensureOpen();
        Span mapped = pageMap.get(s.start);
        if (mapped != s || (s.state != Span.SMALL && s.state != Span.LARGE)) {
            throw new IllegalArgumentException("not a span in use of this page heap: " + s);
        }
        spansFreed++;
        long bytes = s.pages << pageShift;
        if (s.state == Span.LARGE) {
            largeBytes -= bytes;
            largeSpans--;
        } else {
            smallBytes -= bytes;
            pageMap.setAll(s, 0); // freed pages have no size class
        }
        s.state = Span.FREE;
        s.sizeClass = 0;
        s.freeList = 0;
        s.released = false;
        insertCoalesced(s);
    }

    /** Merges a FREE span (in no list) with its free neighbours and lists the result. */
    private void insertCoalesced(Span s) {
        Span before = s.start >= pageSize ? pageMap.get(s.start - pageSize) : null;
        if (before != null && before != s && before.state == Span.FREE
                && before.end(pageShift) == s.start) {
            free.remove(before);
            s.start = before.start;
            s.pages += before.pages;
            s.released &= before.released;
            retire(before);
        }
        Span after = pageMap.get(s.end(pageShift));
        if (after != null && after != s && after.state == Span.FREE && after.start == s.end(pageShift)) {
            free.remove(after);
            s.pages += after.pages;
            s.released &= after.released;
            retire(after);
        }
        pageMap.setEnds(s, 0);
        free.insert(s);
    }

    private void retire(Span s) {
        s.state = Span.DEAD;
        s.prev = null;
        s.next = null;
        liveSpans--;
    }

    // ------------------------------------------------------------------ release

    @Override
    public synchronized long releaseFreeMemory() {
        ensureOpen();
        List<Span> backed = new ArrayList<>();
        free.forEachBacked(backed::add);
        long released = 0;
        for (Span s : backed) {
            free.remove(s);
            long bytes = s.pages << pageShift;
            try {
                os.release(s.start, bytes);
                s.released = true;
                released += bytes;
            } finally {
                free.insert(s);
            }
        }
        bytesReleasedTotal += released;
        return released;
    }

    // ------------------------------------------------------------------ closing

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        pageMap.clear(); // lookups answer "no span" before any page goes
        RuntimeException failure = null;
        for (long[] region : regions) {
            try {
                os.unmap(region[0], region[1] - region[0]);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        regions.clear();
        mappedBytes = 0;
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether {@link #close()} has run. */
    synchronized boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("rtmalloc: this page heap is closed: its memory went back to the OS");
        }
    }

    // ------------------------------------------------------------------ stats and checks

    @Override
    public synchronized PageHeapStats stats() {
        ensureOpen();
        return new PageHeapStats(mappedBytes, free.backedBytes, free.releasedBytes, largeBytes, smallBytes,
                free.spans, largeSpans, pageMap.metadataBytes() + 64L * liveSpans, spansAllocated, spansFreed,
                bytesReleasedTotal);
    }

    @Override
    public synchronized void checkInvariants() {
        ensureOpen();
        long small = 0;
        long large = 0;
        long backedFree = 0;
        long releasedFree = 0;
        long freeCount = 0;
        long largeCount = 0;
        long spanCount = 0;
        for (long[] extent : extents()) {
            Span previous = null;
            for (long at = extent[0]; at < extent[1]; ) {
                Span s = pageMap.get(at);
                check(s != null && s.start == at, "no span starts at 0x" + Long.toHexString(at) + " (found " + s + ")");
                check(s.pages > 0 && s.end(pageShift) <= extent[1], "span runs past its region: " + s);
                long last = s.end(pageShift) - pageSize;
                check(pageMap.get(last) == s, "last page of " + s + " maps elsewhere");
                long bytes = s.pages << pageShift;
                switch (s.state) {
                    case Span.FREE -> {
                        check(previous == null || previous.state != Span.FREE, "adjacent free spans " + previous + " and " + s);
                        check(pageMap.sizeClass(at) == 0, "free span with a size class: " + s);
                        if (s.released) {
                            releasedFree += bytes;
                        } else {
                            backedFree += bytes;
                        }
                        freeCount++;
                    }
                    case Span.SMALL -> {
                        for (long p = at; p < s.end(pageShift); p += pageSize) {
                            check(pageMap.get(p) == s && pageMap.sizeClass(p) == s.sizeClass,
                                    "page 0x" + Long.toHexString(p) + " of " + s + " not mapped to it");
                        }
                        small += bytes;
                    }
                    case Span.LARGE -> {
                        check(pageMap.sizeClass(at) == 0, "large span with a size class: " + s);
                        large += bytes;
                        largeCount++;
                    }
                    default -> check(false, "dead span in the heap: " + s);
                }
                spanCount++;
                previous = s;
                at = s.end(pageShift);
            }
        }
        long[] listed = new long[3];
        free.forEach(s -> {
            check(s.state == Span.FREE, "non-free span in the free lists: " + s);
            check(pageMap.get(s.start) == s, "listed free span not in the page map: " + s);
            listed[0]++;
            listed[s.released ? 2 : 1] += s.pages << pageShift;
        });
        check(listed[0] == freeCount && listed[0] == free.spans, "free spans: " + freeCount + " in the heap, "
                + listed[0] + " listed, " + free.spans + " counted");
        check(listed[1] == backedFree && backedFree == free.backedBytes, "backed free bytes disagree: "
                + backedFree + " / " + listed[1] + " / " + free.backedBytes);
        check(listed[2] == releasedFree && releasedFree == free.releasedBytes, "released bytes disagree: "
                + releasedFree + " / " + listed[2] + " / " + free.releasedBytes);
        check(small == smallBytes, "small bytes " + small + " counted " + smallBytes);
        check(large == largeBytes && largeCount == largeSpans, "large bytes " + large + " counted " + largeBytes);
        check(spanCount == liveSpans, "spans " + spanCount + " counted " + liveSpans);
        check(mappedBytes == small + large + backedFree + releasedFree, "mapped " + mappedBytes + " != spans' sum");
    }

    /** The regions, sorted and with touching ones joined (spans may cross their boundaries). */
    private List<long[]> extents() {
        List<long[]> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> joined = new ArrayList<>();
        for (long[] r : sorted) {
            if (!joined.isEmpty() && joined.getLast()[1] == r[0]) {
                joined.getLast()[1] = r[1];
            } else {
                joined.add(new long[] {r[0], r[1]});
            }
        }
        return joined;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("page heap invariant broken: " + what);
        }
    }

    @Override
    public synchronized String toString() {
        if (closed) {
            return "MmapPageHeap[page " + pageSize + ", closed]";
        }
        PageHeapStats s = stats();
        return "MmapPageHeap[page " + pageSize + ", mapped " + s.mappedBytes() + ", free " + s.freeBytes()
                + ", released " + s.releasedBytes() + "]";
    }
}
