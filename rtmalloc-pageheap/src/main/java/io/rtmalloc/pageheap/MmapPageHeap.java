package io.rtmalloc.pageheap;

import io.rtmalloc.Config;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.Span;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The page heap: spans of whole pages carved from one range of address space
 * reserved up front.
 *
 * <h2>The reservation</h2>
 * At construction the heap reserves {@code address_space} bytes (default
 * 256 GiB, {@link Config#DEFAULT_ADDRESS_SPACE}) with one
 * {@code mmap(PROT_NONE, MAP_NORESERVE)}, its start aligned to the page size.
 * Memory is then mapped inside it, readable and writable, at increasing
 * addresses ({@code MAP_FIXED}, at least {@link #REGION_BYTES} at a time), so
 * the memory of the heap is always the prefix {@code [base, base + mappedBytes)}
 * of the reservation. That buys the free fast path its two cheapest answers, for
 * any {@code long} whatever:
 * <ul>
 *   <li>"is this address ours" ({@link #contains}) is one unsigned compare of
 *       {@code address - base} against {@code mappedBytes};</li>
 *   <li>address to size class ({@link #sizeClassOf}) is that compare and one
 *       byte read of a flat class map, a native array of one byte per page of
 *       the whole reservation, mapped once ({@code MAP_NORESERVE}) so that no
 *       index below the reservation's size can fault.</li>
 * </ul>
 * It costs address space, not memory: a {@code PROT_NONE} reservation takes no
 * memory and no commit charge (even with {@code vm.overcommit_memory=2}), only
 * one kernel mapping entry; the class map takes one byte of address space per
 * page of the reservation (32 MiB for 256 GiB of 8 KiB pages), of which only the
 * pages describing mapped heap memory are ever touched; the span map is on the
 * Java heap, a leaf of 2^15 references per 2^15 pages made on first use. The
 * reservation does count against the address-space limit ({@code ulimit -v}): if
 * the OS refuses it (or the class map), the heap halves the size and tries
 * again, down to {@link #MIN_RESERVATION} (or the configured size if smaller),
 * then throws {@link OutOfMemoryError}. When the reservation is full, an
 * allocation that needs more throws {@link OutOfMemoryError} naming
 * {@code address_space}, and the heap stays as it was.
 *
 * <h2>Synchronization</h2>
 * One lock (this object's monitor) guards the free lists, the regions, the
 * counters, every FREE span and the transitions of spans into and out of the
 * heap. {@link #spanOf}, {@link #sizeClassOf} and {@link #contains} take no lock.
 * Their fields ({@code base}, {@code classMap}, {@code pageShift} final;
 * {@code mappedBytes} plain) sit on this object, so a caller that holds the heap
 * inlines them. {@code mappedBytes} is written only under the lock, and only
 * after the new region is mapped and its page-map entries are set, with a
 * volatile write; lookups read it plainly. A stale read can only be a smaller
 * value than the current one (or, racing {@link #close()}, the value before
 * 0): it makes an address of the newest region look foreign, which only sends
 * the caller to a slow path that takes the lock; yet no block of that region
 * reaches a caller without a happens-before edge from the write (blocks leave
 * the heap under its lock), so a caller asking about a block it holds always
 * sees a value that covers it. No value ever read can make the class-map read
 * fault: the class map covers the whole reservation and is never unmapped.
 *
 * <h2>Invariants</h2>
 * Checked by {@link #checkInvariants()}:
 * <ul>
 *   <li>the regions lie in the reservation and tile {@code [base, base + mappedBytes)}
 *       in order; the spans tile it too, each span's first page mapping to it;</li>
 *   <li>no two FREE spans are adjacent (coalescing is complete);</li>
 *   <li>a FREE span's first and last pages map to it, and it is in the free list
 *       matching its length and {@code released} flag;</li>
 *   <li>a SMALL span's every page maps to it and has its class byte; a LARGE
 *       span's first and last pages map to it; every page of the mapped prefix
 *       outside SMALL spans has class byte 0;</li>
 *   <li>{@code mapped = small + large + free backed + free released}.</li>
 * </ul>
 *
 * <h2>Release and close</h2>
 * Released pages ({@code MADV_DONTNEED}) stay mapped and are simply reused, the
 * OS giving them back zeroed on first touch: nothing is unmapped while the heap
 * is open, so {@link #contains} stays true for the whole mapped prefix.
 * {@link #close()} first sets {@code mappedBytes} to 0, so that every later
 * lookup answers 0, false or null without reading any map, then forgets every
 * span and unmaps the reservation with its regions. The class map is not
 * unmapped, so that a lookup racing the close can still read it without a
 * fault: it is replaced by read-only zero pages ({@code MAP_FIXED},
 * {@code PROT_READ}, {@code MAP_NORESERVE}), which gives its memory and commit
 * charge back and leaves only its address space (1 byte per page of the
 * reservation) behind; if the OS refuses that, its pages are released
 * ({@code MADV_DONTNEED}) instead.
 */
final class MmapPageHeap implements PageHeap {

    /** Bytes mapped at a time, unless one allocation needs more (or the reservation has less left). */
    static final long REGION_BYTES = 64L << 20;

    /** The smallest reservation the halving fallback tries (unless the configured one is smaller). */
    static final long MIN_RESERVATION = 64L << 20;

    /** Every mapping the OS makes starts on a multiple of this. */
    private static final long OS_PAGE = 4096;

    private static final VarHandle MAPPED_BYTES;

    static {
        try {
            MAPPED_BYTES = MethodHandles.lookup().findVarHandle(MmapPageHeap.class, "mappedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---- the lookups' fields

    /** First byte of the reservation, a multiple of the page size. */
    private final long base;
    /**
     * Bytes mapped from {@code base}; 0 after close. Grows only, under the lock, by
     * a volatile write through {@link #MAPPED_BYTES}; lookups read it plainly.
     */
    private long mappedBytes;
    /** The class map: one byte per page of the reservation, native. */
    private final long classMap;
    private final int pageShift;

    // ---- the rest

    private final SystemMemory os;
    private final long pageSize;
    /** Bytes reserved: {@code address_space}, or less after the halving fallback. */
    private final long reservedBytes;
    /** Bytes asked for ({@code address_space}). */
    private final long requestedBytes;
    private final long classMapBytes;
    private final PageMap pageMap;
    private final FreeLists free;
    private final long regionPages;

    /** Mapped regions as {start, end} pairs, in address order, for invariant checks. */
    private final List<long[]> regions = new ArrayList<>();
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
        this(config.pageSize(), config.maxPages(), os, REGION_BYTES, config.addressSpace());
    }

    /**
     * @param regionBytes  bytes mapped at a time, at least
     * @param addressSpace bytes of address space to reserve, a multiple of the page size
     * @throws OutOfMemoryError if the OS refuses every reservation down to the floor
     */
    MmapPageHeap(int pageSize, int maxPages, SystemMemory os, long regionBytes, long addressSpace) {
        if (Integer.bitCount(pageSize) != 1 || pageSize < 4096) {
            throw new IllegalArgumentException("page size must be a power of two >= 4096: " + pageSize);
        }
        if (addressSpace < pageSize || addressSpace % pageSize != 0 || addressSpace > Config.MAX_ADDRESS_SPACE) {
            throw new IllegalArgumentException("address space must be a multiple of the page size from "
                    + pageSize + " to " + Config.MAX_ADDRESS_SPACE + ": " + addressSpace);
        }
        this.os = os;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.free = new FreeLists(maxPages, pageShift);
        this.regionPages = Math.max(1, regionBytes >>> pageShift);
        this.requestedBytes = addressSpace;
        long[] r = reserve(os, addressSpace, pageSize, pageShift);
        this.base = r[0];
        this.reservedBytes = r[1];
        this.classMap = r[2];
        this.classMapBytes = r[3];
        this.pageMap = new PageMap(base, reservedBytes >>> pageShift, pageShift, classMap);
    }

    /**
     * Reserves {@code requested} bytes aligned to the page size, and the class map
     * for them, halving the size while the OS refuses either.
     *
     * @return {base, reserved bytes, class map, class map bytes}
     */
    private static long[] reserve(SystemMemory os, long requested, long pageSize, int pageShift) {
        long floor = Math.min(MIN_RESERVATION, requested);
        long slack = pageSize - OS_PAGE; // the OS aligns to 4 KiB; bigger pages need room to align
        OutOfMemoryError refusal = null;
        for (long size = requested; size >= floor; size = (size >>> 1) & -pageSize) {
            long raw;
            try {
                raw = os.reserve(size + slack);
            } catch (OutOfMemoryError e) {
                refusal = e;
                continue;
            }
            long start = (raw + pageSize - 1) & -pageSize;
            if (start > raw) {
                os.unmap(raw, start - raw);
            }
            long trailing = raw + size + slack - (start + size);
            if (trailing > 0) {
                os.unmap(start + size, trailing);
            }
            long classBytes = ((size >>> pageShift) + OS_PAGE - 1) & -OS_PAGE;
            long classes;
            try {
                classes = os.map(classBytes);
            } catch (OutOfMemoryError e) {
                os.unmap(start, size);
                refusal = e;
                continue;
            }
            return new long[] {start, size, classes, classBytes};
        }
        OutOfMemoryError e = new OutOfMemoryError("rtmalloc: the OS refused to reserve address space for the"
                + " page heap: address_space = " + requested + " bytes and every half of it down to " + floor
                + " bytes were refused" + (refusal == null ? "" : " (last: " + refusal.getMessage() + ")")
                + "; lower address_space in the configuration or raise the address-space limit (ulimit -v)");
        if (refusal != null) {
            e.addSuppressed(refusal);
        }
        throw e;
    }

    @Override
    public int pageSize() {
        return (int) pageSize;
    }

    @Override
    public int pageShift() {
        return pageShift;
    }

    // ------------------------------------------------------------------ lookups (no lock)

    @Override
    public int sizeClassOf(long address) {
        long off = address - base;
        if (Long.compareUnsigned(off, mappedBytes) >= 0) {
            return 0;
        }
        return NativeMemory.getByte(classMap + (off >>> pageShift)) & 0xff;
    }

    @Override
    public boolean contains(long address) {
        return Long.compareUnsigned(address - base, mappedBytes) < 0;
    }

    @Override
    public Span spanOf(long address) {
        long off = address - base;
        if (Long.compareUnsigned(off, mappedBytes) >= 0) {
            return null;
        }
        return pageMap.span(off >>> pageShift);
    }

    /** First byte of the reservation. */
    long base() {
        return base;
    }

    /** Bytes reserved (after any halving). */
    long reservedBytes() {
        return reservedBytes;
    }

    /** One past the last mapped byte: {@code base + mappedBytes}. */
    long mappedEnd() {
        return base + mappedBytes;
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
        if (alignPages - 1 > (reservedBytes >>> pageShift) - pages) {
            throw new OutOfMemoryError("rtmalloc: cannot allocate " + pages + " pages aligned to " + alignment
                    + " in the page heap's address space: address_space = " + reservedBytes + " bytes reserved");
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

    private void checkPages(long pages) {
        if (pages <= 0) {
            throw new IllegalArgumentException("pages must be > 0: " + pages);
        }
        if (pages > reservedBytes >>> pageShift) {
            throw addressSpaceFull(pages, pages);
        }
    }

    private OutOfMemoryError addressSpaceFull(long pages, long missing) {
        return new OutOfMemoryError("rtmalloc: the page heap's address space is full: " + pages
                + " pages (" + (pages << pageShift) + " bytes) asked for, " + missing + " more pages needed, "
                + (reservedBytes - mappedBytes) + " bytes left unmapped of address_space = " + reservedBytes
                + " bytes reserved" + (reservedBytes < requestedBytes ? " (" + requestedBytes + " configured)" : "")
                + "; raise address_space in the configuration");
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

    /**
     * Maps the next region of the reservation so that a free span of at least
     * {@code pages} pages exists (a free span at the end of the mapped prefix
     * counts), and adds it to the free lists.
     *
     * @throws OutOfMemoryError if the reservation or the OS has too little left; nothing changes
     */
    private void grow(long pages) {
        long mapped = mappedBytes;
        long end = base + mapped;
        long tailFree = 0;
        if (mapped > 0) {
            Span last = pageMap.span(pageMap.index(end - pageSize));
            if (last != null && last.state == Span.FREE && last.end(pageShift) == end) {
                tailFree = last.pages;
            }
        }
        long need = pages - tailFree; // > 0, or the best fit would have found the tail
        long room = (reservedBytes - mapped) >>> pageShift;
        if (need > room) {
            throw addressSpaceFull(pages, need);
        }
        long want = Math.min(Math.max(need, regionPages), room);
        long bytes = want << pageShift;
        os.commit(end, bytes);
        regions.add(new long[] {end, end + bytes});
        Span s = new Span(end, want);
        s.state = Span.FREE;
        liveSpans++;
        // The new pages' class bytes are 0: nothing beyond the mapped prefix is ever set.
        insertCoalesced(s);
        // Publish last: the region is mapped and its entries are set.
        MAPPED_BYTES.setVolatile(this, mapped + bytes);
    }

    // ------------------------------------------------------------------ freeing

    @Override
    public synchronized void free(Span s) {
        ensureOpen();
        if (s == null || spanOf(s.start) != s || (s.state != Span.SMALL && s.state != Span.LARGE)) {
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
        Span before = spanOf(s.start - pageSize);
        if (before != null && before != s && before.state == Span.FREE
                && before.end(pageShift) == s.start) {
            free.remove(before);
            s.start = before.start;
            s.pages += before.pages;
            s.released &= before.released;
            retire(before);
        }
        Span after = spanOf(s.end(pageShift));
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

    // ------------------------------------------------------------------ resize

    @Override
    public synchronized boolean resize(Span span, long pages) {
        ensureOpen();
        if (span == null || span.state != Span.LARGE || spanOf(span.start) != span) {
            throw new IllegalArgumentException("not a large span in use of this page heap: " + span);
        }
        if (pages <= 0) {
            throw new IllegalArgumentException("pages must be > 0: " + pages);
        }
        long old = span.pages;
        if (pages == old) {
            return true;
        }
        if (pages < old) {
            // The tail goes back as a free span (its pages are backed: they were in use).
            long rest = old - pages;
            Span tail = new Span(span.start + (pages << pageShift), rest);
            tail.state = Span.FREE;
            span.pages = pages;
            pageMap.setEnds(span, 0);
            largeBytes -= rest << pageShift;
            liveSpans++;
            insertCoalesced(tail);
            return true;
        }
        long need = pages - old;
        long end = span.end(pageShift);
        Span next = spanOf(end);
        if (next == null || next.state != Span.FREE || next.start != end || next.pages < need) {
            return false;
        }
        // Take the front of the free neighbour; the lists account its released or backed bytes.
        free.remove(next);
        if (next.pages == need) {
            retire(next);
        } else {
            next.start += need << pageShift;
            next.pages -= need;
            pageMap.setEnds(next, 0);
            free.insert(next);
        }
        span.pages = pages;
        pageMap.setEnds(span, 0);
        largeBytes += need << pageShift;
        return true;
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
        // First: every lookup from here on answers 0 / false / null and reads no map.
        MAPPED_BYTES.setVolatile(this, 0L);
        pageMap.clearSpans();
        regions.clear();
        RuntimeException failure = null;
        // The class map stays mapped (a racing lookup may still read it) but its memory goes back.
        try {
            os.zeroReadOnly(classMap, classMapBytes);
        } catch (RuntimeException e) {
            try {
                os.release(classMap, classMapBytes);
            } catch (RuntimeException again) {
                e.addSuppressed(again);
                failure = e;
            }
        }
        // One munmap takes the regions and the rest of the reservation.
        try {
            os.unmap(base, reservedBytes);
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
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
                free.spans, largeSpans, pageMap.metadataBytes(mappedBytes >>> pageShift) + 64L * liveSpans,
                spansAllocated, spansFreed, bytesReleasedTotal);
    }

    @Override
    public synchronized void checkInvariants() {
        ensureOpen();
        long mapped = mappedBytes;
        long end = base + mapped;
        check(base > 0 && (base & (pageSize - 1)) == 0, "reservation base 0x" + Long.toHexString(base)
                + " not aligned to the page size");
        check(mapped >= 0 && mapped <= reservedBytes && (mapped & (pageSize - 1)) == 0,
                "mapped bytes " + mapped + " not whole pages within the reservation of " + reservedBytes);
        long at = base;
        for (long[] r : regions) {
            check(r[0] == at && r[1] > r[0] && ((r[1] - r[0]) & (pageSize - 1)) == 0,
                    "region [0x" + Long.toHexString(r[0]) + ", 0x" + Long.toHexString(r[1])
                    + ") does not follow the previous one at 0x" + Long.toHexString(at));
            at = r[1];
        }
        check(at == end, "the regions end at 0x" + Long.toHexString(at) + ", the mapped prefix at 0x"
                + Long.toHexString(end));

        long small = 0;
        long large = 0;
        long backedFree = 0;
        long releasedFree = 0;
        long freeCount = 0;
        long largeCount = 0;
        long spanCount = 0;
        Span previous = null;
        for (long a = base; a < end; ) {
            long first = pageMap.index(a);
            Span s = pageMap.span(first);
            check(s != null && s.start == a, "no span starts at 0x" + Long.toHexString(a) + " (found " + s + ")");
            check(s.pages > 0 && s.end(pageShift) <= end, "span runs past the mapped prefix: " + s);
            check(pageMap.span(first + s.pages - 1) == s, "last page of " + s + " maps elsewhere");
            long bytes = s.pages << pageShift;
            switch (s.state) {
                case Span.FREE -> {
                    check(previous == null || previous.state != Span.FREE, "adjacent free spans " + previous + " and " + s);
                    checkClassBytes(first, s, 0);
                    if (s.released) {
                        releasedFree += bytes;
                    } else {
                        backedFree += bytes;
                    }
                    freeCount++;
                }
                case Span.SMALL -> {
                    check(s.sizeClass > 0, "small span with no size class: " + s);
                    for (long p = first; p < first + s.pages; p++) {
                        check(pageMap.span(p) == s, "page " + p + " of " + s + " not mapped to it");
                    }
                    checkClassBytes(first, s, s.sizeClass);
                    small += bytes;
                }
                case Span.LARGE -> {
                    checkClassBytes(first, s, 0);
                    large += bytes;
                    largeCount++;
                }
                default -> check(false, "dead span in the heap: " + s);
            }
            spanCount++;
            previous = s;
            a = s.end(pageShift);
        }
        long[] listed = new long[3];
        free.forEach(s -> {
            check(s.state == Span.FREE, "non-free span in the free lists: " + s);
            check(spanOf(s.start) == s, "listed free span not in the page map: " + s);
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
        check(mapped == small + large + backedFree + releasedFree, "mapped " + mapped + " != spans' sum");
    }

    /** Checks that every page of {@code s}, from page index {@code first}, has class byte {@code expected}. */
    private void checkClassBytes(long first, Span s, int expected) {
        for (long p = first; p < first + s.pages; p++) {
            int got = pageMap.sizeClass(p);
            if (got != expected) {
                check(false, "page " + p + " of " + s + " has class byte " + got + ", not " + expected);
            }
        }
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
        return "MmapPageHeap[page " + pageSize + ", reserved " + reservedBytes + ", mapped " + s.mappedBytes()
                + ", free " + s.freeBytes() + ", released " + s.releasedBytes() + "]";
    }
}
