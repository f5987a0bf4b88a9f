package io.rtmalloc.pageheap;

import io.rtmalloc.Config;
import io.rtmalloc.ReleaseCause;
import io.rtmalloc.ReleaseStats;
import io.rtmalloc.SizeClass;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.ReleaseListener;
import io.rtmalloc.spi.TierLock;
import io.rtmalloc.spi.Span;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

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
 * the memory of the heap is always the prefix {@code [base, base + mapped)}
 * of the reservation. That buys the fast paths their two cheapest answers, for
 * any {@code long} whatever, both on the heap's {@link HeapIndex}:
 * <ul>
 *   <li>"is this address ours" ({@link HeapIndex#contains}) is one unsigned compare of
 *       {@code address - base} against {@code mapped};</li>
 *   <li>"is this the first byte of a carved block, and of which class"
 *       ({@link HeapIndex#blockClassOf}, the free fast path's validation) is that
 *       compare, one read of a flat map of page words (a native array of one
 *       long per page of the whole reservation, mapped once,
 *       {@code MAP_NORESERVE}, so that no index below the reservation's size
 *       can fault; see {@link PageMap}) and a divisibility test by one
 *       multiplication.</li>
 * </ul>
 * It costs address space, not memory: a {@code PROT_NONE} reservation takes no
 * memory and no commit charge (even with {@code vm.overcommit_memory=2}), only
 * one kernel mapping entry; the page words take eight bytes of address space per
 * page of the reservation (256 MiB for 256 GiB of 8 KiB pages), of which only the
 * pages describing mapped heap memory are ever touched; the span map is on the
 * Java heap, a leaf of 2^15 references per 2^15 pages made on first use. The
 * reservation does count against the address-space limit ({@code ulimit -v}): if
 * the OS refuses it (or the page words), the heap halves the size and tries
 * again, down to {@link #MIN_RESERVATION} (or the configured size if smaller),
 * then throws {@link OutOfMemoryError}. When the reservation is full, an
 * allocation that needs more throws {@link OutOfMemoryError} naming
 * {@code address_space}, and the heap stays as it was.
 *
 * <h2>Touched and untouched pages</h2>
 * A free span is either touched (its pages are resident: they were handed out
 * and came back) or untouched (never touched since they were mapped, or given
 * back to the OS with {@code MADV_DONTNEED}; the OS maps zeroed pages on the
 * next touch); spans of the two kinds never merge, so that the heap always
 * knows which of its pages are resident, and {@code mapped - released} is the
 * resident memory (pages of spans in use count as touched from the moment
 * they are handed out; a small span cut from untouched pages gives back its
 * pages beyond its last carved block as untouched). A fresh region is one
 * untouched span. A request that no single free span can serve, while a run
 * of adjacent free spans of both kinds could, releases the touched spans of
 * the run so that it merges ({@link ReleaseCause#MERGE}); the run at the end
 * of the mapped prefix likewise merges with the next region: no free span is
 * left stranded by its kind.
 *
 * <h2>Release</h2>
 * Touched free spans wait in one of two {@link ReleaseQueue}s, due first
 * first: the decay queue ({@code release_decay_ms}) and, for freed large blocks
 * of {@code large_release_threshold} bytes or more, the short queue
 * ({@code large_release_delay_ms}; with 0 they are released at free, on the
 * freeing thread). {@link #releaseIdle} (the allocator's background thread)
 * releases what is due, {@link #RELEASE_CHUNK_BYTES} at a time outside the
 * lock, the piece meanwhile a {@link Span#RELEASING} span that nobody merges
 * or takes. Merged touched spans take the place and time of the longest of
 * them. Released pages stay mapped (readable and writable: the fast path may
 * read any address of the mapped prefix): nothing is unmapped while the heap
 * is open, and remapping is not used either, since a failed
 * {@code mmap(MAP_FIXED)} may leave a hole.
 *
 * <h2>Limits</h2>
 * A soft and a hard limit on the resident bytes ({@link #setMemoryLimits}).
 * Before untouched pages are handed out past the soft limit, touched free
 * spans are released, oldest first ({@link ReleaseCause#LIMIT}), under the
 * lock; a request that would pass the hard limit even then is refused with
 * {@link OutOfMemoryError} before anything else changes.
 *
 * <h2>Synchronization</h2>
 * One lock (a {@link TierLock}, not this object's monitor, which virtual
 * threads would wait for at a higher cost) guards the free lists, the release queues,
 * the regions, the counters, every FREE span and the transitions of spans into
 * and out of the heap; a RELEASING span belongs to the thread releasing it.
 * {@link #spanOf} and the lookups of the {@link HeapIndex} take no lock. The
 * mapped size lives on the index: written only under the lock, and only after
 * the new region is mapped and its page-map entries are set, with a volatile
 * write; lookups read it plainly (the index's comment says why a stale value
 * is harmless). No value ever read can make a page word's read fault: the
 * words cover the whole reservation and are never unmapped while the range
 * is the heap's.
 *
 * <h2>Invariants</h2>
 * Checked by {@link #checkInvariants()}:
 * <ul>
 *   <li>the regions lie in the reservation and tile {@code [base, base + mapped)}
 *       in order; the spans tile it too, each span's first page mapping to it;</li>
 *   <li>no two FREE spans of one kind are adjacent (coalescing is complete);</li>
 *   <li>a FREE span's first and last pages map to it, and it is in the free list
 *       matching its length and {@code released} flag; a touched one is in the
 *       release queue of its {@code releaseSoon} flag, which is ordered by time;</li>
 *   <li>a SMALL span's every page maps to it and has word 0 or its class at
 *       the page's phase (which pages are carved, the central list checks); a LARGE
 *       span's first and last pages map to it; every page of the mapped prefix
 *       outside SMALL spans has word 0;</li>
 *   <li>{@code mapped = small + large + free touched + free untouched + releasing}.</li>
 * </ul>
 *
 * <h2>The guard</h2>
 * The mapping always runs {@code guardBytes} (the largest block size, in whole
 * pages) past the mapped prefix, readable and writable and never handed out:
 * so the head of a free list that passes {@link HeapIndex#contains} lies in mapped
 * memory whole, whatever a write to a freed block put there, and a front end
 * that checks each head it pops against the range never reads, writes or hands
 * out memory outside the heap. When the heap grows into its guard, the guard's
 * pages are released first, so the new pages read zero as untouched pages do.
 *
 * <h2>Close</h2>
 * {@link #close()} first sets the mapped size to 0, so that every later
 * lookup answers 0, false or null without reading any map, then forgets every
 * span. Nothing a call racing the close may still touch is unmapped: the
 * words are replaced by read-only zero pages ({@code MAP_FIXED},
 * {@code PROT_READ}, {@code MAP_NORESERVE}), and the mapped prefix with its
 * guard by fresh readable and writable zero pages ({@code MAP_NORESERVE});
 * either gives the memory back and leaves only address space behind (the
 * mapped prefix, plus 8 bytes per page of the reservation), with one or two
 * kernel mappings. A front end that was inside a pop or push when the close
 * came reads zeroes or writes to memory nobody else uses, and its next pop
 * fails the range check, since the range is empty. If the OS refuses a
 * remapping, the pages are released ({@code MADV_DONTNEED}) instead. The rest
 * of the reservation stays reserved. The range then rests in a process-wide
 * pool ({@link Retired}) and, a second or more later, a new heap of the same
 * sizes takes it over instead of reserving another: the mappings a process
 * holds stay bounded however many heaps it closes. Past {@link
 * Retired#MAX_KEPT} ranges, those unused for a minute are unmapped.
 */
final class MmapPageHeap implements PageHeap {

    /** Bytes mapped at a time, unless one allocation needs more (or the reservation has less left). */
    static final long REGION_BYTES = 64L << 20;

    /** The smallest reservation the halving fallback tries (unless the configured one is smaller). */
    static final long MIN_RESERVATION = 64L << 20;

    /**
     * The most bytes the background release (and {@link #releaseFreeMemory})
     * takes out of the lists at a time: about 1 ms of {@code madvise} (35 ms per
     * GiB measured), so that no span stays out of reach for long.
     */
    static final long RELEASE_CHUNK_BYTES = 32L << 20;

    /** Every mapping the OS makes starts on a multiple of this. */
    private static final long OS_PAGE = 4096;

    /** Size-class ids a page word can hold: 0 to 255. */
    static final int MAX_CLASS_IDS = 256;

    /** The guard of a heap told no size classes (tests): blocks of up to 256 KiB. */
    static final int DEFAULT_GUARD = 256 << 10;



    /** A limit that is none. */
    private static final long NO_LIMIT = Long.MAX_VALUE;


    // ---- the reservation (the lookups read their own copies, on the index)

    /** First byte of the reservation, a multiple of the page size. */
    private final long base;
    /** The page words: one long per page of the reservation, native ({@link PageMap}). */
    private final long words;
    private final int pageShift;
    /** The lookups, and the mapped size: {@code [base, base + index.mapped())}. */
    private final HeapIndex index;

    // ---- the rest

    private final SystemMemory os;
    private final long pageSize;
    /** Bytes reserved: {@code address_space}, or less after the halving fallback. */
    private final long reservedBytes;
    /** Bytes asked for ({@code address_space}). */
    private final long requestedBytes;
    /** The native mapping of {@link #words}. */
    private final long classMap;
    private final long classMapBytes;
    /**
     * Bytes mapped readable and writable beyond the end of the mapped prefix
     * (the largest block size, in whole pages): a free-list head that passes
     * {@link HeapIndex#contains} lies in mapped memory whole, even when the list was
     * damaged; see {@link PageHeap#index()}.
     */
    private final long guardBytes;
    /** One past the last byte mapped readable and writable: {@code base + mapped + guardBytes}. */
    private long committedEnd;
    /** Per size class, the block size {@link #markCarved} was given, for the invariant checks. */
    private final int[] carvedSize = new int[MAX_CLASS_IDS];
    private final PageMap pageMap;
    private final FreeLists free;
    private final long regionPages;
    private final long releaseChunkPages;

    // ---- release
    private final LongSupplier clock;
    /** Nanoseconds a touched free span waits in the decay queue; 0: never released by time. */
    private final long decayNanos;
    /** Freed large blocks of at least this many bytes go to the short queue; 0: none. */
    private final long largeThreshold;
    /** Nanoseconds they wait there; 0: released at free. */
    private final long largeDelayNanos;
    /** Block size by size class, for the touched part of a small span; null when unknown. */
    private final int[] classSizes;
    private final ReleaseQueue decayQueue = new ReleaseQueue();
    private final ReleaseQueue soonQueue = new ReleaseQueue();
    private long releasingBytes;
    private long softLimit = NO_LIMIT;
    private long hardLimit = NO_LIMIT;
    private volatile ReleaseListener listener;
    /** Guards the heap's state: spans, free lists, page map writes, counters. */
    private final TierLock lock = new TierLock();
    private final long[] releasedBy = new long[ReleaseCause.values().length];
    private long releases;
    private long softLimitHits;
    private long hardLimitRefusals;

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
    /** Set under the lock by {@link #close()}; read without it by {@link #isClosed()}. */
    private volatile boolean closed;

    /**
     * When free pages go back by themselves (times in nanoseconds of {@code clock}).
     *
     * @param decayNanos      how long a touched free span waits; 0: never released by time
     * @param largeThreshold  freed large blocks of at least this many bytes wait {@code largeDelayNanos}; 0: none
     * @param largeDelayNanos 0: such blocks are released at free
     * @param classSizes      block size by size class (index 0 unused), or null
     */
    record Policy(long decayNanos, long largeThreshold, long largeDelayNanos, int[] classSizes, LongSupplier clock) {
        /** Nothing goes back by itself. */
        static final Policy NONE = new Policy(0, 0, 0, null, System::nanoTime);

        static Policy of(Config config) {
            int[] sizes = new int[config.classes().size() + 1];
            for (int i = 0; i < config.classes().size(); i++) {
                SizeClass c = config.classes().get(i);
                sizes[i + 1] = c.size();
            }
            return new Policy(TimeUnit.MILLISECONDS.toNanos(config.releaseDecayMs()), config.largeReleaseThreshold(),
                    TimeUnit.MILLISECONDS.toNanos(config.largeReleaseDelayMs()), sizes, System::nanoTime);
        }
    }

    MmapPageHeap(Config config, SystemMemory os) {
        this(config.pageSize(), config.maxPages(), os, REGION_BYTES, config.addressSpace(), Policy.of(config));
        setMemoryLimits(config.memoryLimit(), config.memoryLimitHard());
    }

    /** A heap that releases nothing by itself. */
    MmapPageHeap(int pageSize, int maxPages, SystemMemory os, long regionBytes, long addressSpace) {
        this(pageSize, maxPages, os, regionBytes, addressSpace, Policy.NONE);
    }

    /**
     * @param regionBytes  bytes mapped at a time, at least
     * @param addressSpace bytes of address space to reserve, a multiple of the page size
     * @throws OutOfMemoryError if the OS refuses every reservation down to the floor
     */
    MmapPageHeap(int pageSize, int maxPages, SystemMemory os, long regionBytes, long addressSpace, Policy policy) {
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
        this.releaseChunkPages = Math.max(1, RELEASE_CHUNK_BYTES >>> pageShift);
        this.clock = policy.clock();
        this.decayNanos = policy.decayNanos();
        this.largeThreshold = policy.largeThreshold();
        this.largeDelayNanos = policy.largeDelayNanos();
        this.classSizes = policy.classSizes();
        this.requestedBytes = addressSpace;
        int largest = DEFAULT_GUARD;
        if (classSizes != null && classSizes.length > 1) {
            largest = 0;
            for (int size : classSizes) {
                largest = Math.max(largest, size);
            }
        }
        this.guardBytes = Math.max(pageSize, ((long) largest + pageSize - 1) & -(long) pageSize);
        long[] r = Retired.take(os, addressSpace, pageSize, guardBytes, true);
        if (r == null) {
            try {
                r = reserve(os, addressSpace, addressSpace, pageSize, pageShift, guardBytes, addressSpace);
            } catch (OutOfMemoryError full) {
                // Address space is short (many heaps closed within the last second): a closed
                // range that has not rested its second yet, rather than a smaller reservation.
                r = Retired.take(os, addressSpace, pageSize, guardBytes, false);
                if (r == null) {
                    r = reserve(os, addressSpace, (addressSpace >>> 1) & -(long) pageSize, pageSize, pageShift,
                            guardBytes, Math.min(MIN_RESERVATION, addressSpace));
                }
            }
        }
        this.base = r[0];
        this.reservedBytes = r[1];
        this.classMap = r[2];
        this.classMapBytes = r[3];
        this.words = classMap;
        this.index = new HeapIndex(base, classMap, pageShift);
        this.committedEnd = r.length > 4 ? r[4] : base;
        this.pageMap = new PageMap(base, reservedBytes >>> pageShift, pageShift, words);
    }

    /**
     * Reserves {@code requested} bytes aligned to the page size, followed by
     * {@code guard} more, and the page words for them, halving the size while
     * the OS refuses either, from {@code first} down to {@code floor}.
     *
     * @return {base, reserved bytes (without the guard), class map, class map bytes}
     */
    private static long[] reserve(SystemMemory os, long requested, long first, long pageSize, int pageShift,
                                  long guard, long floor) {
        long slack = pageSize - OS_PAGE; // the OS aligns to 4 KiB; bigger pages need room to align
        OutOfMemoryError refusal = null;
        for (long size = first; size >= floor; size = (size >>> 1) & -pageSize) {
            long raw;
            try {
                raw = os.reserve(size + guard + slack);
            } catch (OutOfMemoryError e) {
                refusal = e;
                continue;
            }
            long start = (raw + pageSize - 1) & -pageSize;
            if (start > raw) {
                os.unmap(raw, start - raw);
            }
            long trailing = raw + size + guard + slack - (start + size + guard);
            if (trailing > 0) {
                os.unmap(start + size + guard, trailing);
            }
            long classBytes = (8 * (size >>> pageShift) + OS_PAGE - 1) & -OS_PAGE;
            long classes;
            try {
                classes = os.map(classBytes);
            } catch (OutOfMemoryError e) {
                os.unmap(start, size + guard);
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
    public HeapIndex index() {
        return index;
    }

    @Override
    public void markCarved(Span span, long page, int blockSize) {
        int cl = span.sizeClass;
        if (span.state != Span.SMALL || cl <= 0 || cl >= MAX_CLASS_IDS || page < 0 || page >= span.pages
                || blockSize < 8 || blockSize > guardBytes
                || (classSizes != null && cl < classSizes.length && classSizes[cl] != blockSize)) {
            throw new IllegalArgumentException("cannot mark page " + page + " of " + span + " carved with blocks of "
                    + blockSize + " bytes");
        }
        carvedSize[cl] = blockSize;
        pageMap.setWord(pageMap.index(span.start) + page, index.word(cl, page, blockSize));
    }

    @Override
    public Span spanOf(long address) {
        long off = address - base;
        if (Long.compareUnsigned(off, index.mapped()) >= 0) {
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

    /** One past the last mapped byte. */
    long mappedEnd() {
        return base + index.mapped();
    }

    // ------------------------------------------------------------------ allocation

    @Override
    public Span allocate(long pages, int sizeClass) {
        lock.lock();
        try {
            ensureOpen();
            checkPages(pages);
            if (sizeClass < 0 || sizeClass > 127) {
                throw new IllegalArgumentException("size class out of range: " + sizeClass);
            }
            Span s = take(pages);
            carve(s, pages);
            return use(s, sizeClass);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Span allocateAligned(long pages, long alignment) {
        lock.lock();
        try {
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
                // The lead is bounded by a span that is not free of its kind (s was coalesced) and by s itself.
                Span head = new Span(s.start, lead);
                head.state = Span.FREE;
                head.released = s.released;
                head.releaseAt = s.releaseAt;
                head.releaseSoon = s.releaseSoon;
                if (!s.released) {
                    queueOf(s).insertBefore(s, head);
                }
                s.start = alignedStart;
                s.pages -= lead;
                pageMap.setEnds(head);
                free.insert(head);
                liveSpans++;
            }
            carve(s, pages);
            return use(s, 0);
        } finally {
            lock.unlock();
        }
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
                + (reservedBytes - index.mapped()) + " bytes left unmapped of address_space = " + reservedBytes
                + " bytes reserved" + (reservedBytes < requestedBytes ? " (" + requestedBytes + " configured)" : "")
                + "; raise address_space in the configuration");
    }

    /**
     * Removes a free span of at least {@code pages} pages from the free lists
     * (a touched one stays in its release queue, for {@link #carve}): the best
     * fit, touched preferred. Taking untouched pages makes them resident, so
     * first the limits get their room ({@link #makeRoom}). With no fit, it
     * merges a run of free spans that holds enough ({@link #mergeForFit}), else
     * it grows the heap.
     *
     * @throws OutOfMemoryError past the hard limit or when the OS or the reservation refuses; no span was taken
     */
    private Span take(long pages) {
        boolean roomMade = false;
        while (true) {
            Span s = free.bestFit(pages);
            if (s != null && !s.released) {
                free.remove(s);
                return s;
            }
            if (!roomMade) {
                roomMade = true;
                if (makeRoom(pages << pageShift)) {
                    continue; // pages were released: the lists changed
                }
            }
            if (s != null) {
                free.remove(s);
                return s;
            }
            if (!mergeForFit(pages)) {
                grow(pages);
            }
        }
    }

    /**
     * Cuts {@code s} (out of the free lists, still in its release queue if
     * touched) to {@code pages}, listing the rest, which takes the place of
     * {@code s} in the queue; takes {@code s} out of its queue.
     */
    private void carve(Span s, long pages) {
        long rest = s.pages - pages;
        if (rest > 0) {
            Span tail = new Span(s.start + (pages << pageShift), rest);
            tail.state = Span.FREE;
            tail.released = s.released;
            tail.releaseAt = s.releaseAt;
            tail.releaseSoon = s.releaseSoon;
            s.pages = pages;
            if (!s.released) {
                queueOf(s).replace(s, tail);
            }
            pageMap.setEnds(tail);
            free.insert(tail);
            liveSpans++;
        } else if (!s.released) {
            queueOf(s).remove(s);
        }
    }

    /** Hands {@code s} out; its {@code released} flag now says whether its pages were untouched. */
    private Span use(Span s, int sizeClass) {
        spansAllocated++;
        s.prev = null;
        s.next = null;
        s.releaseSoon = false;
        s.sizeClass = sizeClass;
        s.freeBits = null;
        s.freeCount = 0;
        s.scan = 0;
        s.allocated = 0;
        s.carved = 0;
        long bytes = s.pages << pageShift;
        if (sizeClass == 0) {
            s.state = Span.LARGE;
            pageMap.setEnds(s);
            largeBytes += bytes;
            largeSpans++;
        } else {
            s.state = Span.SMALL;
            pageMap.setAll(s); // every page's word 0 until the central list carves it
            smallBytes += bytes;
        }
        return s;
    }

    /**
     * Maps the next region of the reservation so that a free span of at least
     * {@code pages} pages exists, and lists it. A run of free spans at the end
     * of the mapped prefix counts: its touched spans are released first
     * ({@link ReleaseCause#MERGE}) so that the run and the new region, all
     * untouched, merge into one span.
     *
     * @throws OutOfMemoryError if the reservation or the OS has too little left; no span was taken
     */
    private void grow(long pages) {
        long mapped = index.mapped();
        long end = base + mapped;
        long tailFree = 0;
        Span last = mapped > 0 ? pageMap.span(pageMap.index(end - pageSize)) : null;
        if (last != null && last.state == Span.FREE && last.end(pageShift) == end) {
            long run = 0;
            for (Span t = last; t != null && t.state == Span.FREE; t = freeBefore(t)) {
                run += t.pages;
            }
            if (pages - run <= (reservedBytes - mapped) >>> pageShift) {
                last = cleanRun(last);
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
        long newCommitted = end + bytes + guardBytes;
        if (committedEnd > end) {
            // The guard becomes heap memory: drop anything written to it (only a damaged
            // free list can have), so that the new pages are zero as untouched pages are.
            os.release(end, Math.min(committedEnd, end + bytes) - end);
        }
        if (newCommitted > committedEnd) {
            long from = Math.max(committedEnd, end);
            os.commit(from, newCommitted - from);
            committedEnd = newCommitted;
        }
        regions.add(new long[] {end, end + bytes});
        Span s = new Span(end, want);
        s.state = Span.FREE;
        s.released = true; // mapped, never touched: not resident
        liveSpans++;
        // The new pages' words are 0: nothing beyond the mapped prefix is ever set.
        insertCoalesced(s);
        // Publish last: the region is mapped and its entries are set.
        index.setMapped(mapped + bytes);
    }

    /** The free span that ends where {@code s} starts, or null. */
    private Span freeBefore(Span s) {
        if (s.start == base) {
            return null;
        }
        Span b = pageMap.span(pageMap.index(s.start - pageSize));
        return b != null && b != s && b.state == Span.FREE && b.end(pageShift) == s.start ? b : null;
    }

    /** The free span that starts where {@code s} ends, or null. */
    private Span freeAfter(Span s) {
        long end = s.end(pageShift);
        if (end - base >= index.mapped()) {
            return null;
        }
        Span a = pageMap.span(pageMap.index(end));
        return a != null && a != s && a.state == Span.FREE && a.start == end ? a : null;
    }

    /**
     * No free span holds {@code pages}: finds the shortest run of adjacent
     * free spans that does (touched and untouched ones alternate in a run, since
     * spans of one kind merge), releases its touched spans
     * ({@link ReleaseCause#MERGE}) and merges it into one untouched span. The
     * released pages fault again when used, as fresh pages of a new region
     * would; the heap maps nothing more and no free span is left stranded.
     *
     * @return whether it merged a run
     */
    private boolean mergeForFit(long pages) {
        Span[] best = {null};
        long[] bestPages = {Long.MAX_VALUE};
        free.forEach(s -> {
            if (freeBefore(s) != null) {
                return; // not the first of its run
            }
            long run = 0;
            int count = 0;
            for (Span t = s; t != null; t = freeAfter(t)) {
                run += t.pages;
                count++;
            }
            if (count > 1 && run >= pages && run < bestPages[0]) {
                best[0] = s;
                bestPages[0] = run;
            }
        });
        if (best[0] == null) {
            return false;
        }
        cleanRun(best[0]);
        return true;
    }

    /**
     * Releases every touched span of the run of free spans around {@code s}
     * ({@link ReleaseCause#MERGE}), so that the run merges into one untouched
     * span, and answers that span.
     */
    private Span cleanRun(Span s) {
        Span first = s;
        for (Span b = freeBefore(first); b != null; b = freeBefore(b)) {
            first = b;
        }
        long start = first.start;
        List<Span> touched = new ArrayList<>();
        for (Span t = first; t != null; t = freeAfter(t)) {
            if (!t.released) {
                touched.add(t);
            }
        }
        for (Span t : touched) {
            releaseListed(t, ReleaseCause.MERGE);
        }
        return pageMap.span(pageMap.index(start));
    }

    // ------------------------------------------------------------------ limits

    /** Bytes of touched pages: small and large spans, touched free spans, spans being released. */
    private long resident() {
        return smallBytes + largeBytes + free.backedBytes + releasingBytes;
    }

    @Override
    public void setMemoryLimits(long soft, long hard) {
        lock.lock();
        try {
            if (soft < 0 || hard < 0) {
                throw new IllegalArgumentException("memory limits must be >= 0 (0: none): soft " + soft + ", hard " + hard);
            }
            if (soft > 0 && hard > 0 && hard < soft) {
                throw new IllegalArgumentException("the hard memory limit " + hard + " is under the soft one " + soft);
            }
            softLimit = soft == 0 ? NO_LIMIT : soft;
            hardLimit = hard == 0 ? NO_LIMIT : hard;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes room under the limits for {@code bytes} more resident bytes: past
     * the soft limit (or the hard one), releases touched free spans, oldest
     * first, until there is room or none is left ({@link ReleaseCause#LIMIT});
     * past the hard limit even then, throws.
     *
     * @return whether it released anything (the free lists changed)
     * @throws OutOfMemoryError if the hard limit leaves no room; nothing but releases happened
     */
    private boolean makeRoom(long bytes) {
        boolean released = false;
        long over = resident() + bytes - Math.min(softLimit, hardLimit);
        if (over > 0) {
            if (resident() + bytes > softLimit) {
                softLimitHits++;
            }
            released = releaseOldest(over) > 0;
        }
        if (resident() + bytes > hardLimit) {
            hardLimitRefusals++;
            throw new OutOfMemoryError("rtmalloc: the hard memory limit (memory_limit_hard = " + hardLimit
                    + " bytes) refuses " + bytes + " more resident bytes: " + resident()
                    + " bytes are resident (in use, in caches or in spans) and no free page is left to release");
        }
        return released;
    }

    /** Releases touched free spans, the one due first first, until {@code bytes} are released or none is left. */
    private long releaseOldest(long bytes) {
        long done = 0;
        while (done < bytes) {
            Span s = dueFirst();
            if (s == null) {
                break;
            }
            done += s.pages << pageShift;
            releaseListed(s, ReleaseCause.LIMIT);
        }
        return done;
    }

    /** The touched free span due first in either queue, or null. */
    private Span dueFirst() {
        Span a = decayQueue.oldest();
        Span b = soonQueue.oldest();
        if (a == null) {
            return b;
        }
        return b == null || a.releaseAt - b.releaseAt <= 0 ? a : b;
    }

    // ------------------------------------------------------------------ freeing

    @Override
    public void free(Span s) {
        lock.lock();
        try {
            ensureOpen();
            if (s == null || spanOf(s.start) != s || (s.state != Span.SMALL && s.state != Span.LARGE)) {
                throw new IllegalArgumentException("not a span in use of this page heap: " + s);
            }
            spansFreed++;
            long bytes = s.pages << pageShift;
            if (s.state == Span.SMALL) {
                smallBytes -= bytes;
                pageMap.setAll(s); // freed pages have no size class
                freeSmall(s);
                return;
            }
            largeBytes -= bytes;
            largeSpans--;
            s.sizeClass = 0;
            s.freeBits = null;
            s.freeCount = 0;
            boolean large = largeThreshold > 0 && bytes >= largeThreshold;
            if (!large || largeDelayNanos > 0) {
                s.state = Span.FREE;
                s.released = false;
                queue(s, large);
                return;
            }
            // Released at free: outside the lock, as RELEASING, so that nobody merges or takes it meanwhile.
            s.state = Span.RELEASING;
            releasingBytes += bytes;
        } finally {
            lock.unlock();
        }
        releaseDetached(s, ReleaseCause.LARGE_FREE);
    }

    /**
     * A small span comes back: its pages from its first to the end of its last
     * carved block are touched; when it was cut from untouched pages, the pages
     * beyond were never touched, and go back to the free lists as untouched.
     */
    private void freeSmall(Span s) {
        long end = s.end(pageShift);
        long touchedEnd = end;
        if (s.released && classSizes != null && s.sizeClass < classSizes.length) {
            long carvedEnd = s.start + (long) s.carved * classSizes[s.sizeClass];
            touchedEnd = Math.min(end, (carvedEnd + pageSize - 1) & -pageSize);
        }
        s.state = Span.FREE;
        s.sizeClass = 0;
        s.freeBits = null;
        s.freeCount = 0;
        if (touchedEnd == s.start) {
            s.released = true;
            insertCoalesced(s);
            return;
        }
        s.released = false; // before the rest is listed, which must not merge with it
        if (touchedEnd < end) {
            Span rest = new Span(touchedEnd, (end - touchedEnd) >>> pageShift);
            rest.state = Span.FREE;
            rest.released = true;
            s.pages -= rest.pages;
            liveSpans++;
            pageMap.setEnds(rest);
            insertCoalesced(rest);
        }
        queue(s, false);
    }

    /**
     * Lists a FREE touched span (in no list) due after the decay time, or
     * after the short delay of freed large blocks, merging it with touched
     * neighbours.
     */
    private void queue(Span s, boolean soon) {
        s.releaseSoon = soon;
        s.releaseAt = clock.getAsLong() + (soon ? largeDelayNanos : decayNanos);
        insertCoalesced(s);
    }

    /**
     * Merges a FREE span (in no list) with its free neighbours of its kind
     * (touched or not) and lists the result; answers the span that holds it
     * all. Touched spans merge into the longest of the three, which keeps its
     * place and time in its queue: a span freed next to a long idle one
     * becomes due with it, and a long span freed next to a short idle one
     * delays it, so neither pins the other (if the new span is the longest, it
     * joins its queue as the newest).
     */
    private Span insertCoalesced(Span s) {
        Span before = freeBefore(s);
        if (before != null && before.released != s.released) {
            before = null;
        }
        Span after = freeAfter(s);
        if (after != null && after.released != s.released) {
            after = null;
        }
        Span keep = s;
        if (before != null && before.pages > keep.pages) {
            keep = before;
        }
        if (after != null && after.pages > keep.pages) {
            keep = after;
        }
        long start = before != null ? before.start : s.start;
        long end = (after != null ? after : s).end(pageShift);
        for (Span t : new Span[] {before, s, after}) {
            if (t != null && t != keep) {
                if (t != s) {
                    unlist(t);
                }
                retire(t);
            }
        }
        if (keep != s) {
            free.remove(keep); // its length changes; it keeps its place in its queue
        }
        keep.start = start;
        keep.pages = (end - start) >>> pageShift;
        pageMap.setEnds(keep);
        free.insert(keep);
        if (keep == s && !s.released) {
            queueOf(s).append(s);
        }
        return keep;
    }

    /** Takes a listed FREE span out of the free lists and, if touched, its queue. */
    private void unlist(Span s) {
        free.remove(s);
        if (!s.released) {
            queueOf(s).remove(s);
        }
    }

    private ReleaseQueue queueOf(Span s) {
        return s.releaseSoon ? soonQueue : decayQueue;
    }

    private void retire(Span s) {
        s.state = Span.DEAD;
        s.prev = null;
        s.next = null;
        s.olderDirty = null;
        s.newerDirty = null;
        liveSpans--;
    }

    // ------------------------------------------------------------------ resize

    @Override
    public boolean resize(Span span, long pages) {
        lock.lock();
        try {
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
                // The tail goes back as a touched free span (it was in use).
                long rest = old - pages;
                Span tail = new Span(span.start + (pages << pageShift), rest);
                tail.state = Span.FREE;
                span.pages = pages;
                pageMap.setEnds(span);
                largeBytes -= rest << pageShift;
                liveSpans++;
                queue(tail, largeDelayNanos > 0 && largeThreshold > 0 && (rest << pageShift) >= largeThreshold);
                return true;
            }
            long need = pages - old;
            long untouched = untouchedAfter(span, need);
            if (untouched < 0) {
                return false;
            }
            if (untouched > 0) {
                // Untouched pages become resident: the limits first.
                try {
                    if (makeRoom(untouched) && untouchedAfter(span, need) < 0) {
                        return false;
                    }
                } catch (OutOfMemoryError limit) {
                    return false;
                }
            }
            // Take the free spans that follow, the last one's front only; it keeps its place in its queue.
            long at = span.end(pageShift);
            long left = need;
            while (left > 0) {
                Span next = pageMap.span(pageMap.index(at));
                free.remove(next);
                if (next.pages <= left) {
                    if (!next.released) {
                        queueOf(next).remove(next);
                    }
                    left -= next.pages;
                    at = next.end(pageShift);
                    retire(next);
                } else {
                    next.start += left << pageShift;
                    next.pages -= left;
                    pageMap.setEnds(next);
                    free.insert(next);
                    left = 0;
                }
            }
            span.pages = pages;
            pageMap.setEnds(span);
            largeBytes += need << pageShift;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The untouched bytes among the first {@code pages} pages of the run of free
     * spans that follows {@code span}, or -1 when the run is shorter.
     */
    private long untouchedAfter(Span span, long pages) {
        long left = pages;
        long untouched = 0;
        for (Span t = freeAfter(span); t != null && left > 0; t = freeAfter(t)) {
            long take = Math.min(left, t.pages);
            if (t.released) {
                untouched += take << pageShift;
            }
            left -= take;
        }
        return left > 0 ? -1 : untouched;
    }

    // ------------------------------------------------------------------ release

    @Override
    public long releaseFreeMemory() {
        lock.lock();
        try {
            ensureOpen();
        } finally {
            lock.unlock();
        }
        return releaseQueued(Mode.ALL, Long.MAX_VALUE);
    }

    @Override
    public long releaseIdle(long maxBytes) {
        lock.lock();
        try {
            if (closed) {
                return 0;
            }
        } finally {
            lock.unlock();
        }
        long done = releaseQueued(Mode.DUE, maxBytes);
        return done + releaseQueued(Mode.OVER_SOFT_LIMIT, maxBytes - done);
    }

    /** Which touched free spans {@link #releaseQueued} releases. */
    private enum Mode {
        /** Every one ({@link ReleaseCause#REQUEST}). */
        ALL,
        /** Those whose time is up ({@link ReleaseCause#DECAY}, {@link ReleaseCause#LARGE_FREE}). */
        DUE,
        /** The one due first, while the resident memory is over the soft limit ({@link ReleaseCause#LIMIT}). */
        OVER_SOFT_LIMIT
    }

    /**
     * Releases touched free spans, due first first, up to about
     * {@code maxBytes}, {@link #RELEASE_CHUNK_BYTES} at a time: each piece is
     * taken out of the lists under the lock, released outside it (as
     * RELEASING, which nobody merges or takes), and listed again untouched.
     */
    private long releaseQueued(Mode mode, long maxBytes) {
        long done = 0;
        while (done < maxBytes) {
            Span piece;
            ReleaseCause cause;
            lock.lock();
            try {
                if (closed) {
                    break;
                }
                Span s = switch (mode) {
                    case ALL -> dueFirst();
                    case OVER_SOFT_LIMIT -> resident() > softLimit ? dueFirst() : null;
                    case DUE -> due(clock.getAsLong());
                };
                if (s == null) {
                    break;
                }
                cause = switch (mode) {
                    case ALL -> ReleaseCause.REQUEST;
                    case OVER_SOFT_LIMIT -> ReleaseCause.LIMIT;
                    case DUE -> s.releaseSoon ? ReleaseCause.LARGE_FREE : ReleaseCause.DECAY;
                };
                piece = detach(s, Math.min(releaseChunkPages, Math.max(1, (maxBytes - done) >>> pageShift)));
            } finally {
                lock.unlock();
            }
            releaseDetached(piece, cause);
            done += piece.pages << pageShift;
        }
        return done;
    }

    /** A span whose time is up, due first, or null. */
    private Span due(long now) {
        Span soon = soonQueue.oldest();
        if (soon != null && soon.releaseAt - now <= 0) {
            return soon;
        }
        Span decayed = decayQueue.oldest();
        if (decayNanos > 0 && decayed != null && decayed.releaseAt - now <= 0) {
            return decayed;
        }
        return null;
    }

    /**
     * Takes the first {@code pages} pages (all when fewer) of the listed touched
     * span {@code s} out of the lists, as a RELEASING span; the rest of
     * {@code s} keeps its place.
     */
    private Span detach(Span s, long pages) {
        Span piece;
        free.remove(s);
        if (s.pages <= pages) {
            queueOf(s).remove(s);
            piece = s;
        } else {
            piece = new Span(s.start, pages);
            piece.releaseSoon = s.releaseSoon;
            s.start += pages << pageShift;
            s.pages -= pages;
            pageMap.setEnds(s);
            free.insert(s);
            liveSpans++;
        }
        piece.state = Span.RELEASING;
        pageMap.setEnds(piece);
        releasingBytes += piece.pages << pageShift;
        return piece;
    }

    /**
     * Releases a RELEASING span outside the lock, then lists it untouched (or,
     * if the OS refused, touched again, and rethrows).
     */
    private void releaseDetached(Span piece, ReleaseCause cause) {
        long bytes = piece.pages << pageShift;
        RuntimeException failure = null;
        try {
            os.release(piece.start, bytes);
        } catch (RuntimeException e) {
            failure = e;
        }
        long mapped;
        lock.lock();
        try {
            if (closed) {
                return; // everything is unmapped
            }
            releasingBytes -= bytes;
            piece.state = Span.FREE;
            if (failure == null) {
                piece.released = true;
                counted(cause, bytes);
                insertCoalesced(piece);
            } else {
                piece.released = false;
                queue(piece, piece.releaseSoon);
            }
            mapped = index.mapped();
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            throw failure;
        }
        tell(cause, bytes, mapped);
    }

    /** Releases a listed touched span under the lock and lists it untouched. */
    private void releaseListed(Span s, ReleaseCause cause) {
        unlist(s);
        long bytes = s.pages << pageShift;
        try {
            os.release(s.start, bytes);
        } catch (RuntimeException e) {
            free.insert(s);
            queueOf(s).append(s); // not in its old place: due a little late
            throw e;
        }
        s.released = true;
        counted(cause, bytes);
        insertCoalesced(s);
        tell(cause, bytes, index.mapped());
    }

    private void counted(ReleaseCause cause, long bytes) {
        releasedBy[cause.ordinal()] += bytes;
        releases++;
    }

    private void tell(ReleaseCause cause, long bytes, long mapped) {
        ReleaseListener l = listener;
        if (l != null) {
            l.released(cause, bytes, mapped);
        }
    }

    @Override
    public void setReleaseListener(ReleaseListener listener) {
        this.listener = listener;
    }

    // ------------------------------------------------------------------ closing

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            listener = null;
            // First: every lookup from here on answers 0 / false / null and reads no map.
            index.setMapped(0L);
            pageMap.clearSpans();
            regions.clear();
            // The page words stay mapped (a racing lookup may still read them) but their memory goes back.
            RuntimeException failure = zeroElseRelease(classMap, classMapBytes, true);
            // The heap's memory and its guard stay mapped too: a front end racing the close may still
            // pop or push a block it admitted before. Their memory goes back as fresh zero pages.
            long committed = committedEnd - base;
            if (committed > 0) {
                RuntimeException heapFailure = zeroElseRelease(base, committed, false);
                failure = failure == null ? heapFailure : failure;
            }
            if (failure != null) {
                throw failure;
            }
            // The rest of the reservation stays reserved (no memory, no commit charge), so that
            // no other mapping lands in it and a later heap can take the whole range over.
            Retired.add(new Retired(os, base, reservedBytes, guardBytes, pageSize, committedEnd, classMap,
                    classMapBytes, System.nanoTime()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the memory of {@code [address, address + bytes)} back as fresh zero
     * pages, read-only or read-write, or unmaps the range when that fails;
     * answers the failure, with the unmapping's suppressed, when both failed,
     * else null.
     */
    private RuntimeException zeroElseRelease(long address, long bytes, boolean readOnly) {
        try {
            if (readOnly) {
                os.zeroReadOnly(address, bytes);
            } else {
                os.zeroReadWrite(address, bytes);
            }
            return null;
        } catch (RuntimeException e) {
            try {
                os.release(address, bytes);
                return null;
            } catch (RuntimeException again) {
                e.addSuppressed(again);
                return e;
            }
        }
    }

    /**
     * The address ranges of closed heaps, kept mapped (see the class comment)
     * and lent to later heaps of the same sizes once {@link #REUSE_AFTER_NANOS}
     * have passed: a program that makes and closes heaps without end then
     * holds a bounded number of kernel mappings and of address space, instead
     * of two mappings and the mapped prefix per heap ever closed (the kernel
     * allows about 65,000 mappings per process). The delay leaves any call
     * that raced the close (a few instructions) ample time to end before
     * the range holds another heap's blocks.
     */
    record Retired(SystemMemory os, long base, long reservedBytes, long guardBytes, long pageSize,
                   long committedEnd, long words, long wordsBytes, long retiredAt) {

        /** How long a closed range rests before another heap may use it: one second. */
        static final long REUSE_AFTER_NANOS = 1_000_000_000L;
        /** Ranges kept: beyond this, those that rested a minute unused are unmapped. */
        static final int MAX_KEPT = 1024;
        /** How long a range must have rested before it may be unmapped: a minute. */
        static final long UNMAP_AFTER_NANOS = 60_000_000_000L;

        private static final java.util.ArrayDeque<Retired> POOL = new java.util.ArrayDeque<>();

        static void add(Retired r) {
            java.util.List<Retired> drop = new java.util.ArrayList<>();
            synchronized (POOL) {
                POOL.addLast(r);
                while (POOL.size() > MAX_KEPT && r.retiredAt - POOL.peekFirst().retiredAt >= UNMAP_AFTER_NANOS) {
                    drop.add(POOL.pollFirst()); // a program closing heaps of ever new sizes: bounded
                }
            }
            for (Retired d : drop) {
                try {
                    d.os.unmap(d.base, d.reservedBytes + d.guardBytes);
                    d.os.unmap(d.words, d.wordsBytes);
                } catch (RuntimeException e) {
                    // Left mapped: address space only.
                }
            }
        }

        /**
         * A range of these sizes (one that rested, or with {@code rested}
         * false the oldest, for when address space is short) made ready for a
         * new heap (its words writable and zero), as
         * {@code {base, reserved, words, words bytes, committed end}}; or null.
         */
        static long[] take(SystemMemory os, long reservedBytes, long pageSize, long guardBytes, boolean rested) {
            long now = System.nanoTime();
            while (true) {
                Retired found = null;
                synchronized (POOL) {
                    for (java.util.Iterator<Retired> it = POOL.iterator(); it.hasNext(); ) {
                        Retired r = it.next();
                        if (rested && now - r.retiredAt < REUSE_AFTER_NANOS) {
                            break; // the pool is in retirement order
                        }
                        if (r.os == os && r.reservedBytes == reservedBytes && r.pageSize == pageSize
                                && r.guardBytes == guardBytes) {
                            it.remove();
                            found = r;
                            break;
                        }
                    }
                }
                if (found == null) {
                    return null;
                }
                long[] ready = found.prepare();
                if (ready != null) {
                    return ready;
                }
            }
        }

        /** Makes the words writable again; null when the OS refuses (the range then stays unused). */
        private long[] prepare() {
            try {
                os.zeroReadWrite(words, wordsBytes);
            } catch (RuntimeException e) {
                return null;
            }
            return new long[] {base, reservedBytes, words, wordsBytes, committedEnd};
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("rtmalloc: this page heap is closed: its memory went back to the OS");
        }
    }

    // ------------------------------------------------------------------ stats and checks

    @Override
    public PageHeapStats stats() {
        lock.lock();
        try {
            ensureOpen();
            long total = 0;
            for (long b : releasedBy) {
                total += b;
            }
            ReleaseStats release = new ReleaseStats(releasedBy[ReleaseCause.REQUEST.ordinal()],
                    releasedBy[ReleaseCause.DECAY.ordinal()], releasedBy[ReleaseCause.LARGE_FREE.ordinal()],
                    releasedBy[ReleaseCause.LIMIT.ordinal()], releasedBy[ReleaseCause.MERGE.ordinal()], releases,
                    softLimit == NO_LIMIT ? 0 : softLimit, hardLimit == NO_LIMIT ? 0 : hardLimit, softLimitHits,
                    hardLimitRefusals);
            return new PageHeapStats(index.mapped(), free.backedBytes + releasingBytes, free.releasedBytes, largeBytes,
                    smallBytes, free.spans, largeSpans, pageMap.metadataBytes(index.mapped() >>> pageShift) + 80L * liveSpans,
                    spansAllocated, spansFreed, total, release);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void checkInvariants() {
        lock.lock();
        try {
            free.checkBits();
            ensureOpen();
            long mapped = index.mapped();
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
            long releasing = 0;
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
                        check(previous == null || previous.state != Span.FREE || previous.released != s.released,
                                "adjacent free spans of one kind " + previous + " and " + s);
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
                        checkSmallWords(first, s);
                        small += bytes;
                    }
                    case Span.LARGE -> {
                        checkClassBytes(first, s, 0);
                        large += bytes;
                        largeCount++;
                    }
                    case Span.RELEASING -> {
                        checkClassBytes(first, s, 0);
                        releasing += bytes;
                    }
                    default -> check(false, "dead span in the heap: " + s);
                }
                spanCount++;
                previous = s;
                a = s.end(pageShift);
            }
            long[] listed = new long[4];
            free.forEach(s -> {
                check(s.state == Span.FREE, "non-free span in the free lists: " + s);
                check(spanOf(s.start) == s, "listed free span not in the page map: " + s);
                listed[0]++;
                listed[s.released ? 2 : 1] += s.pages << pageShift;
                if (!s.released) {
                    listed[3]++;
                } else {
                    check(s.olderDirty == null && s.newerDirty == null, "untouched span in a queue: " + s);
                }
            });
            check(listed[0] == freeCount && listed[0] == free.spans, "free spans: " + freeCount + " in the heap, "
                    + listed[0] + " listed, " + free.spans + " counted");
            check(listed[1] == backedFree && backedFree == free.backedBytes, "backed free bytes disagree: "
                    + backedFree + " / " + listed[1] + " / " + free.backedBytes);
            check(listed[2] == releasedFree && releasedFree == free.releasedBytes, "released bytes disagree: "
                    + releasedFree + " / " + listed[2] + " / " + free.releasedBytes);
            check(small == smallBytes, "small bytes " + small + " counted " + smallBytes);
            check(large == largeBytes && largeCount == largeSpans, "large bytes " + large + " counted " + largeBytes);
            check(releasing == releasingBytes, "releasing bytes " + releasing + " counted " + releasingBytes);
            check(spanCount == liveSpans, "spans " + spanCount + " counted " + liveSpans);
            check(mapped == small + large + backedFree + releasedFree + releasing, "mapped " + mapped + " != spans' sum");
            long queued = checkQueue(decayQueue, false) + checkQueue(soonQueue, true);
            check(queued == listed[3], "touched free spans: " + listed[3] + " listed, " + queued + " queued");
        } finally {
            lock.unlock();
        }
    }

    /** Checks that a queue is linked both ways, ordered by time, and holds FREE touched spans of its kind. */
    private long checkQueue(ReleaseQueue q, boolean soon) {
        long n = 0;
        Span previous = null;
        for (Span s = q.oldest(); s != null; s = s.newerDirty) {
            check(++n <= liveSpans, "release queue longer than the spans, or a cycle");
            check(s.state == Span.FREE && !s.released && s.releaseSoon == soon, "wrong span in a release queue: " + s);
            check(s.olderDirty == previous, "broken back link in a release queue at " + s);
            check(previous == null || previous.releaseAt - s.releaseAt <= 0, "release queue out of order at " + s);
            previous = s;
        }
        check(previous == q.newest() && n == q.spans(), "release queue ends or count wrong: " + n + " / " + q.spans());
        return n;
    }

    /** Checks that every page of {@code s}, from page index {@code first}, has word {@code expected}. */
    private void checkClassBytes(long first, Span s, int expected) {
        for (long p = first; p < first + s.pages; p++) {
            long got = pageMap.word(p);
            if (got != expected) {
                check(false, "page " + p + " of " + s + " has word 0x" + Long.toHexString(got) + ", not "
                        + expected);
            }
        }
    }

    /**
     * Checks that every page of the SMALL span {@code s} has word 0 (not carved)
     * or its class with the page's phase. Which pages are carved is the central
     * free list's to check, under its lock.
     */
    private void checkSmallWords(long first, Span s) {
        int size = carvedSize[s.sizeClass];
        for (long p = first; p < first + s.pages; p++) {
            long got = pageMap.word(p);
            if (got == 0) {
                continue;
            }
            long expected = size == 0 ? -1 : index.word(s.sizeClass, p - first, size);
            check(got == expected, "page " + p + " of " + s + " has word 0x" + Long.toHexString(got) + ", not 0x"
                    + Long.toHexString(expected) + " (class " + s.sizeClass + ", " + size + "-byte blocks)");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("page heap invariant broken: " + what);
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            if (closed) {
                return "MmapPageHeap[page " + pageSize + ", closed]";
            }
            PageHeapStats s = stats();
            return "MmapPageHeap[page " + pageSize + ", reserved " + reservedBytes + ", mapped " + s.mappedBytes()
                    + ", free " + s.freeBytes() + ", untouched " + s.releasedBytes() + "]";
        } finally {
            lock.unlock();
        }
    }
}
