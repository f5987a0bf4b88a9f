package io.rtmalloc.spi;

import io.rtmalloc.AllocationHistogram;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClassStats;
import io.rtmalloc.SizeClasses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every front end shares: argument checks, blocks above the largest class
 * (whole spans from the page heap), {@code calloc}, {@code realloc},
 * {@code alignedAlloc}, segments and arenas, the validation of freed addresses
 * and the assembly of {@link AllocatorStats}.
 *
 * <p>A front end implements the small-block paths ({@link #malloc},
 * {@link #free(long)}, {@link #freeSmall}) and says what its caches hold
 * ({@link #frontEndCachedBlocks()}).
 *
 * <h2>Closing</h2>
 * {@link #close()} lets the front end's caches forget their blocks
 * ({@link #closeCaches()}), marks the allocator closed, ends the lifetime of
 * the segments of {@link #allocate(long, long)} (a shared arena, whose close
 * the JDK makes safe against threads using them), then closes the central
 * cache and the page heap, which clears the page map and unmaps every region.
 * After that no path reads native memory: a small {@code malloc} finds its
 * cache empty and the central cache refuses, a {@code free} finds no size
 * class in the page map and lands in {@link #blockClass}, which throws
 * {@link IllegalStateException}.
 */
public abstract class FrontEndSupport implements Allocator {

    /**
     * Checked mode ({@code -Drtmalloc.checked=true}): every sized free is
     * validated as fully as an unsized one. Read once, so the JIT folds it.
     */
    public static final boolean CHECKED = Boolean.getBoolean("rtmalloc.checked");

    /**
     * Stats mode ({@code -Drtmalloc.stats=true}): front ends count hits, misses,
     * refills and flushes per class. Read once, so that off costs nothing.
     */
    public static final boolean STATS = Boolean.getBoolean("rtmalloc.stats");

    /** What this allocator was asked for (recorded only with {@link AllocationHistogram#ENABLED}). */
    protected final AllocationHistogram histogram = new AllocationHistogram();

    /**
     * Per class, allocations ({@code 2 * cl}) and frees ({@code 2 * cl + 1});
     * class 0 stands for whole-span blocks. Kept only in stats mode.
     */
    private final StripedCounters calls;

    /** Run after {@link #close()} has unmapped everything (for example, to unregister an MXBean). */
    private final List<Runnable> closeActions = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Counter kinds of {@link #frontEndCounters()}. */
    protected static final int HITS = 0;
    protected static final int MISSES = 1;
    protected static final int REFILLS = 2;
    protected static final int FLUSHES = 3;
    protected static final int COUNTERS = 4;

    protected final Config config;
    protected final CentralCache central;
    protected final PageHeap heap;
    protected final SizeClasses classes;
    /** The largest size served by a size class; above it, whole spans. */
    protected final long maxSmall;
    protected final int pageShift;
    private final String name;

    /** The lifetime of the segments of {@link #allocate(long, long)}; closed by {@link #close()}. */
    private final Arena lifetime = Arena.ofShared();
    /** Every address, within {@link #lifetime}: those segments are slices of it. */
    private final MemorySegment lifetimeMemory;
    /** Guards {@link #openArenas} and the transition to closed. */
    private final Object lifecycle = new Object();
    /** Arenas of {@link #newArena()} not yet closed. */
    private int openArenas;
    private volatile boolean closed;
    /** Whether close() got as far as the tiers below; guarded by {@link #lifecycle}. */
    private boolean unmapping;

    protected FrontEndSupport(String name, Config config, CentralCache central) {
        this.name = name;
        this.config = config;
        this.central = central;
        this.heap = central.pageHeap();
        this.classes = central.sizeClasses();
        this.maxSmall = classes.maxSize();
        this.pageShift = heap.pageShift();
        this.lifetimeMemory = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, lifetime, null);
        this.calls = STATS ? new StripedCounters(2 * (classes.count() + 1)) : null;
    }

    /**
     * Blocks held in this front end's caches, per class (index 0 unused), counted
     * at the moment of the call as well as the front end can without stopping
     * its threads.
     */
    protected abstract long[] frontEndCachedBlocks();

    /**
     * The front end's counters, indexed {@code [sizeClass * COUNTERS + kind]}
     * with kinds {@link #HITS}, {@link #MISSES}, {@link #REFILLS},
     * {@link #FLUSHES}; null when it keeps none (or {@link #STATS} is off).
     */
    protected long[] frontEndCounters() {
        return null;
    }

    /** Figures particular to this front end for {@link AllocatorStats#frontEndDetails()}, in report order. */
    protected Map<String, Long> frontEndDetails() {
        return Map.of();
    }

    // ---------------------------------------------------------------- checks

    /** The exception for a negative size. */
    protected static IllegalArgumentException negativeSize(long size) {
        return new IllegalArgumentException("size must be >= 0: " + size);
    }

    /** The exception for an address this allocator did not hand out. */
    protected static IllegalArgumentException notAllocated(long address, String why) {
        return new IllegalArgumentException(
                "0x" + Long.toHexString(address) + " was not allocated by this allocator (" + why + ")");
    }

    /**
     * The size class of the live block at {@code address}, or 0 for a live
     * whole-span block; throws {@link IllegalArgumentException} for any address
     * the page map can tell was not handed out: outside every span, inside a
     * free span, at a position that is no block boundary, or not the start of
     * a large block.
     */
    protected final int blockClass(long address) {
        Span span = heap.spanOf(address);
        if (span == null || !span.contains(address, pageShift)) {
            ensureOpen(); // a closed allocator's page map is empty
            throw notAllocated(address, "no span of this allocator holds it");
        }
        int state = span.state;
        if (state == Span.SMALL) {
            int cl = span.sizeClass;
            if ((address - span.start) % classes.size(cl) != 0) {
                throw notAllocated(address, "not at a block boundary of class " + cl);
            }
            return cl;
        }
        if (state == Span.LARGE) {
            if (address != span.start) {
                throw notAllocated(address, "inside a large block that starts at 0x" + Long.toHexString(span.start));
            }
            return 0;
        }
        throw notAllocated(address, "its pages are free");
    }

    /**
     * Takes back a small block of class {@code cl} whose address was checked
     * (by the page map, or fully in checked mode): the front end's own small
     * free path, counting it with {@link #countFree}.
     */
    protected abstract void freeSmall(int cl, long address);

    /**
     * Sized free, the same for every front end: 0 is a no-op, a negative size
     * is rejected, a small size names the class ({@link #sizedFreeClass}) for
     * {@link #freeSmall}, a larger one is a whole-span block.
     */
    @Override
    public void free(long address, long size) {
        if (address == 0) {
            return;
        }
        if (size < 0) {
            throw negativeSize(size);
        }
        if (size <= maxSmall) {
            freeSmall(sizedFreeClass(address, size), address);
            return;
        }
        freeLarge(address);
    }

    /**
     * The class a sized free of {@code address} goes to. Always checks, with one
     * page-map read, that the block's page belongs to that class (so no address
     * outside this allocator's small spans ever enters a free list); in checked
     * mode validates the block fully. A size that names another class than the
     * block's is an {@link IllegalArgumentException}.
     */
    protected final int sizedFreeClass(long address, long size) {
        int cl = classes.classOf(size);
        if (CHECKED) {
            int actual = blockClass(address);
            if (actual != cl) {
                throw new IllegalArgumentException("sized free of 0x" + Long.toHexString(address) + " with size "
                        + size + " (class " + cl + "), but the block is of class " + actual);
            }
        } else if (heap.sizeClassOf(address) != cl || (address & 7) != 0) {
            int actual = blockClass(address); // throws for a foreign address
            throw new IllegalArgumentException("sized free of 0x" + Long.toHexString(address) + " with size "
                    + size + " (class " + cl + "), but the block is of class " + actual);
        }
        return cl;
    }

    /**
     * The slow path of a {@code malloc} whose size is not that of a class:
     * negative (rejected) or above the largest class (a whole-span block).
     */
    protected final long mallocNotSmall(long size) {
        if (size < 0) {
            throw negativeSize(size);
        }
        return mallocLarge(size);
    }

    /**
     * The slow path of a {@code free} whose page has no size class: 0 (a no-op),
     * a whole-span block, or an address this allocator never handed out.
     */
    protected final void freeNotSmall(long address) {
        if (address == 0) {
            return;
        }
        if (blockClass(address) != 0) {
            // Only a misaligned address inside a small span gets here, and blockClass rejects it.
            throw notAllocated(address, "not a block boundary");
        }
        freeLarge(address);
    }

    // ---------------------------------------------------------------- large blocks

    /**
     * Counts a {@code malloc} of {@code size} bytes served by class {@code cl}
     * (0: a whole-span block) in the histogram and the stats, when they are on;
     * front ends call it first thing. Both switches are {@code static final}:
     * when off, the JIT removes the call's body.
     */
    protected final void countMalloc(long size, int cl) {
        if (AllocationHistogram.ENABLED) {
            histogram.record(size);
        }
        if (STATS) {
            calls.increment(2 * cl);
        }
    }

    /** Counts a free of a block of class {@code cl} (0: a whole-span block), in stats mode. */
    protected final void countFree(int cl) {
        if (STATS) {
            calls.increment(2 * cl + 1);
        }
    }

    /** A whole-span block for a size above the largest class (or any size, when called). */
    protected final long mallocLarge(long size) {
        long pages = pagesFor(size);
        long address = heap.allocate(pages, 0).start;
        countMalloc(size, 0);
        LargeAllocationEvent event = new LargeAllocationEvent();
        if (event.shouldCommit()) {
            event.requested = size;
            event.size = pages << pageShift;
            event.address = address;
            event.frontEnd = name;
            event.commit();
        }
        return address;
    }

    /** Frees a whole-span block, validating it. */
    protected final void freeLarge(long address) {
        Span span = heap.spanOf(address);
        if (span == null || span.state != Span.LARGE || span.start != address) {
            blockClass(address); // throws with the precise reason
            throw notAllocated(address, "not a large block");
        }
        heap.free(span);
        countFree(0);
    }

    private long pagesFor(long size) {
        long pageMask = (1L << pageShift) - 1;
        if (size > Long.MAX_VALUE - pageMask) {
            throw new OutOfMemoryError("cannot allocate " + size + " bytes");
        }
        return Math.max(1, (size + pageMask) >>> pageShift);
    }

    // ---------------------------------------------------------------- derived calls

    @Override
    public long calloc(long count, long size) {
        if (count < 0 || size < 0) {
            throw new IllegalArgumentException("count and size must be >= 0: " + count + " * " + size);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, size);
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("count * size overflows: " + count + " * " + size);
        }
        long address = malloc(bytes);
        NativeMemory.fill(address, bytes, (byte) 0);
        return address;
    }

    @Override
    public long realloc(long address, long newSize) {
        if (newSize < 0) {
            throw negativeSize(newSize);
        }
        if (address == 0) {
            return malloc(newSize);
        }
        int cl = blockClass(address);
        long usable;
        if (cl != 0) {
            usable = classes.size(cl);
            // Keep the block when the new size falls in its class: then a sized free with
            // the new size still names the block's class.
            if (newSize <= maxSmall && classes.classOf(newSize) == cl) {
                return address;
            }
        } else {
            usable = heap.spanOf(address).bytes(pageShift);
            // A whole-page block is kept while the new size needs at least half of its pages.
            if (newSize > maxSmall && newSize <= usable && newSize >= (usable >>> 1)) {
                return address;
            }
        }
        long fresh = malloc(newSize);
        NativeMemory.copy(address, fresh, Math.min(usable, newSize));
        free(address);
        return fresh;
    }

    @Override
    public long alignedAlloc(long alignment, long size) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        if (size < 0) {
            throw negativeSize(size);
        }
        if (alignment <= 8) {
            return malloc(size);
        }
        long pageSize = 1L << pageShift;
        if (size <= maxSmall && alignment <= pageSize) {
            // Spans start on page boundaries, so every block of a class whose size is a
            // multiple of the alignment is aligned.
            for (int cl = classes.classOf(size); cl != 0 && cl <= classes.count(); cl++) {
                if (classes.size(cl) % alignment == 0) {
                    return malloc(classes.size(cl));
                }
            }
        }
        long pages = pagesFor(Math.max(size, 1));
        countMalloc(size, 0);
        if (alignment <= pageSize) {
            return heap.allocate(pages, 0).start;
        }
        return heap.allocateAligned(pages, alignment).start;
    }

    @Override
    public long usableSize(long address) {
        int cl = blockClass(address);
        return cl != 0 ? classes.size(cl) : heap.spanOf(address).bytes(pageShift);
    }

    // ---------------------------------------------------------------- segments

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkSegmentArguments(byteSize, byteAlignment);
        return lifetimeMemory.asSlice(alignedAlloc(byteAlignment, byteSize), byteSize);
    }

    static void checkSegmentArguments(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("byteSize must be >= 0: " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("byteAlignment must be a power of two: " + byteAlignment);
        }
    }

    @Override
    public void free(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("not a native segment: " + segment);
        }
        if (!segment.scope().equals(lifetime.scope()) && !NativeMemory.isUnboundedScope(segment)) {
            throw new IllegalArgumentException(
                    "the segment belongs to an arena, which frees it when it closes: " + segment);
        }
        free(segment.address());
    }

    @Override
    public Arena newArena() {
        synchronized (lifecycle) {
            ensureOpen();
            openArenas++;
        }
        return new AllocatorArena(this);
    }

    /** An arena of {@link #newArena()} has closed (and freed its segments). */
    void arenaClosed() {
        synchronized (lifecycle) {
            openArenas--;
        }
    }

    @Override
    public Allocator threadBound() {
        ensureOpen();
        return new ThreadBoundView(this);
    }

    // ---------------------------------------------------------------- closing

    /**
     * Frees everything and unmaps it; see {@link Allocator#close()} and the
     * class comment.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!closed) {
                if (openArenas > 0) {
                    throw new IllegalStateException(openArenas + " arena(s) of " + this
                            + " still open: close them before the allocator");
                }
                closeCaches(); // throws UnsupportedOperationException, changing nothing, if the front end cannot
                closed = true;
            }
            if (unmapping) {
                return;
            }
            // Throws while a native call holds one of its segments: then nothing is unmapped, and
            // a later close() tries again.
            lifetime.close();
            unmapping = true;
        }
        try {
            central.close();
        } finally {
            heap.close();
            closeActions.forEach(Runnable::run);
        }
    }

    /**
     * Makes every cache of this front end (every thread's or CPU's) forget its
     * blocks without touching them, so that no later call reads memory the
     * page heap is about to unmap: an emptied cache sends the next
     * {@code malloc} to the central cache, which refuses. Called once by
     * {@link #close()}, under its lock, before the allocator is marked closed
     * and the tiers below close; the caller guarantees that no other call is
     * running.
     *
     * <p>A front end without caches overrides it with an empty method. This
     * default throws {@link UnsupportedOperationException}, so that a front end
     * that has not said how to empty its caches cannot be closed (and then
     * read unmapped memory) by mistake.
     */
    protected void closeCaches() {
        throw new UnsupportedOperationException("the " + name + " front end cannot be closed: it does not empty its caches");
    }

    /** Throws {@link IllegalStateException} once the allocator is closed. */
    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    // ---------------------------------------------------------------- the rest

    /**
     * Returns the calling thread's cached blocks and the transfer caches to the
     * central lists, so that spans left empty go back to the page heap, then
     * releases every free page to the OS.
     */
    @Override
    public long releaseFreeMemory() {
        ensureOpen();
        flushThreadCache();
        central.drainTransferCaches();
        long released = heap.releaseFreeMemory();
        MemoryReleaseEvent event = new MemoryReleaseEvent();
        if (event.shouldCommit()) {
            event.bytes = released;
            event.mapped = heap.stats().mappedBytes();
            event.frontEnd = name;
            event.commit();
        }
        return released;
    }

    @Override
    public AllocationHistogram histogram() {
        return histogram;
    }

    /** Runs {@code action} once {@link #close()} has unmapped everything. */
    public final void onClose(Runnable action) {
        closeActions.add(action);
    }

    @Override
    public String frontEnd() {
        return name;
    }

    @Override
    public Config config() {
        return config;
    }

    /** Nothing to flush without per-thread caches; throws once closed, as every call does. */
    @Override
    public void flushThreadCache() {
        ensureOpen();
    }

    @Override
    public AllocatorStats stats() {
        ensureOpen();
        long[] cached = frontEndCachedBlocks();
        long[] counters = frontEndCounters();
        CentralClassStats[] centralStats = central.classStats();
        PageHeapStats heapStats = heap.stats();
        List<SizeClassStats> perClass = new ArrayList<>(classes.count());
        long inUse = heapStats.largeBytes();
        long frontEnd = 0;
        long transfer = 0;
        long handedOut = 0;
        for (int cl = 1; cl <= classes.count(); cl++) {
            CentralClassStats c = centralStats[cl];
            long size = classes.size(cl);
            long fe = cl < cached.length ? cached[cl] : 0;
            long used = c.handedOut() - c.inTransfer() - fe;
            inUse += used * size;
            frontEnd += fe * size;
            transfer += c.inTransfer() * size;
            handedOut += c.handedOut() * size;
            int k = cl * COUNTERS;
            boolean counted = counters != null && k + COUNTERS <= counters.length;
            perClass.add(new SizeClassStats(cl, (int) size, c.spans(), used, fe, c.inTransfer(), c.freeInSpans(),
                    counted ? counters[k + HITS] : 0, counted ? counters[k + MISSES] : 0,
                    counted ? counters[k + REFILLS] : 0, counted ? counters[k + FLUSHES] : 0,
                    STATS ? calls.sum(2 * cl) : 0, STATS ? calls.sum(2 * cl + 1) : 0));
        }
        return new AllocatorStats(name, inUse, frontEnd, transfer, heapStats.smallBytes() - handedOut,
                heapStats.freeBytes(), heapStats.releasedBytes(), heapStats.mappedBytes(),
                heapStats.largeBytes(), heapStats.metadataBytes(), heapStats.spansAllocated(),
                heapStats.spansFreed(), heapStats.bytesReleasedTotal(), STATS ? calls.sum(0) : 0,
                STATS ? calls.sum(1) : 0, perClass, frontEndDetails());
    }

    /** Checks the invariants of the tiers below (page heap, central cache). */
    public void checkInvariants() {
        central.checkInvariants();
        heap.checkInvariants();
    }

    @Override
    public String toString() {
        return "rtmalloc[" + name + "]";
    }
}
