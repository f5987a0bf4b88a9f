package io.rtmalloc.internal;

import io.rtmalloc.AllocationHistogram;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClassStats;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CacheCounters;
import io.rtmalloc.spi.CacheCounters.Kind;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralClassStats;
import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.AllocatorListener;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapStats;
import io.rtmalloc.spi.Span;
import io.rtmalloc.spi.Switches;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The allocator: the whole {@link Allocator} contract, the same for every front
 * end, over three components passed in: a {@link FrontEnd} (caches of small
 * blocks), the {@link CentralCache} below it and the {@link PageHeap} below
 * that. It validates every call, serves blocks above the largest size class as
 * whole spans, derives calloc, realloc and aligned allocation, hands out
 * segments and arenas, closes, and assembles the stats. Calls go one way:
 * allocator, front end, central cache, page heap.
 *
 * <h2>Fast paths</h2>
 * <pre>
 *   malloc(size):  cl = classOf(size)              two compares, one table read
 *                  cl != 0 ? frontEnd.allocate(cl)  (a pop from the thread's list, its head range-checked)
 *   free(a):       cl = index.blockClassOf(a)       one unsigned compare, one flat-map read, a multiply
 *                  cl != 0 ? frontEnd.free(cl, a)   (a push, refused when a is the list's head)
 * </pre>
 * The free fast path validates every address in every mode: {@code blockClassOf}
 * answers a class only for the first byte of a block the central tier has
 * carved, so foreign, interior, misaligned and never-handed-out addresses all
 * fall to {@link #blockClass}, which names what is wrong.
 * Everything else (negative and large sizes, address 0, foreign addresses,
 * whole-span blocks) is in separate methods, so that C2 inlines the fast paths
 * whole. A sized free takes the same path as an unsized one: the flat map
 * gives the block's class as cheaply as the size would, and is right for every
 * block, where the class of the size is not (an aligned block, or one realloc
 * shrank in place, is of a larger class than its requested size); see
 * {@link #free(long, long)}.
 *
 * <h2>Closing</h2>
 * {@link #close()} refuses while a live thread holds an open arena or a
 * segment of {@link #allocate(long, long)} (their memory would go while they
 * can still reach it), cancels the background release and waits for a run of
 * it to end, lets the front end's caches forget their blocks, marks the
 * allocator closed, then closes the central cache and the page heap, which
 * empties the page map and gives the memory back. A later small {@code malloc}
 * finds its cache empty and the central cache refuses; a {@code free} finds no
 * class in the page map and lands in {@link #blockClass}, which throws
 * {@link IllegalStateException}. A call racing the close (one that read the
 * page map or its cache's head before) may still pop or push a block: the page
 * heap keeps that memory mapped as fresh zero pages, so it completes or throws
 * {@link IllegalStateException}, and never faults.
 *
 * <h2>Returning memory</h2>
 * With {@link Config#backgroundRelease()}, the allocator registers with the
 * shared release thread ({@link BackgroundRelease}), which runs
 * {@link #releaseInBackground} every {@link BackgroundRelease#periodNanos}:
 * idle caches are scavenged ({@link FrontEnd#scavenge}, {@link CentralCache#scavenge}),
 * and the page heap releases the free pages whose time is up, at most
 * {@code release_rate} bytes per second ({@link PageHeap#releaseIdle}). Every
 * release the page heap makes goes to {@link AllocatorListener} with its cause
 * (the management module records it as a JFR event).
 * The memory limits are the page heap's ({@link PageHeap#setMemoryLimits});
 * above the soft limit the release thread also empties every cache it can
 * reach, and a large block first has the caches emptied here, where no lock
 * is held, and past the hard limit tries once more after that.
 */
final class RtAllocator implements Allocator {

    /** Requests {@code >=} this, reached by growing a block with realloc, move to whole pages, which grow in place. */
    private final long reallocPagesFrom;

    private final Config config;
    private final FrontEnd frontEnd;
    private final CentralCache central;
    private final PageHeap heap;
    /** The free fast path's validation ({@link HeapIndex#blockClassOf}). */
    private final HeapIndex index;
    private final SizeClasses classes;
    /** Per class, its size as a {@code long}: the bound a sized free's size is checked against. */
    private final long[] classSize;
    private final int pageShift;
    private final String name;

    /** What this allocator was asked for (recorded only with {@link AllocationHistogram#ENABLED}). */
    private final AllocationHistogram histogram = new AllocationHistogram();
    /** Allocations and frees per class (0: whole-span blocks). Null unless {@link Switches#STATS}. */
    private final CallCounters calls;

    /** Checked mode's record of live blocks (every double free caught); null in default mode. */
    private final CheckedBlocks checked = Switches.CHECKED ? new CheckedBlocks() : null;

    /** Segments and arenas. */
    private final SegmentLayer segments;
    /** Guards the transition to closed. */
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    /** Run after {@link #close()} has unmapped everything (for example, to unregister an MXBean). */
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();

    /** Held by a background release while it runs, and by {@link #close()} while it empties the caches. */
    private final Object maintenance = new Object();
    /** This allocator's task on the release thread, or null when it releases nothing by itself. */
    private final BackgroundRelease.Task releaseTask;
    /** Bytes the page heap may release per background run: {@code release_rate} times the period. */
    private final long releasePerRun;
    /** The soft limit (0: none), mirrored for the large-block path. */
    private volatile long softLimit;
    /** The hard limit (0: none), mirrored for the large-block path. */
    private volatile long hardLimit;

    RtAllocator(Config config, FrontEnd frontEnd, CentralCache central) {
        this.config = config;
        this.frontEnd = frontEnd;
        this.central = central;
        this.heap = central.pageHeap();
        this.index = heap.index();
        this.classes = central.sizeClasses();
        this.classSize = new long[classes.count() + 1];
        for (int cl = 1; cl <= classes.count(); cl++) {
            classSize[cl] = classes.size(cl);
        }
        this.pageShift = heap.pageShift();
        this.name = frontEnd.name();
        this.reallocPagesFrom = Math.min(classes.maxSize() + 1, heap.pageSize() / 2);
        this.segments = new SegmentLayer(this);
        this.calls = Switches.STATS ? new CallCounters(classes.count() + 1) : null;
        this.softLimit = config.memoryLimit();
        this.hardLimit = config.memoryLimitHard();
        String frontEndName = name; // the listener must not hold the allocator
        heap.setReleaseListener((cause, bytes, mapped) ->
                AllocatorListener.INSTANCE.memoryReleased(cause, bytes, mapped, frontEndName));
        long period = BackgroundRelease.periodNanos(config);
        this.releasePerRun = Math.max(1L << 20, (long) (config.releaseRate() * (period / 1e9)));
        this.releaseTask = config.backgroundRelease() ? BackgroundRelease.register(this, period) : null;
    }

    // ---------------------------------------------------------------- fast paths

    @Override
    public long malloc(long size) {
        int cl = classes.classOf(size); // 0 for a negative size or one above the largest class
        if (cl != 0) {
            countMalloc(size, cl);
            long a = frontEnd.allocate(cl);
            if (Switches.CHECKED) {
                checked.allocated(a, size);
            }
            return a;
        }
        return mallocNotSmall(size);
    }

    @Override
    public void free(long address) {
        if (Switches.CHECKED) {
            checkedFreeing(address);
        }
        long w = index.word(address);
        if (index.startsBlock(address, w)) {
            int cl = (int) (w & 0xff);
            if (Switches.CHECKED) {
                checkedSmallBlock(address, cl);
            }
            countFree(cl);
            frontEnd.free(cl, address);
            return;
        }
        freeNotSmall(address);
    }

    /**
     * Sized free: the path of {@link #free(long)}, which takes the block's
     * class from the page map, plus a check of the size's sign folded into
     * the alignment check. The size is not otherwise used: the map's class is
     * right for every block, where the class of a size is not (an aligned
     * block, or one realloc shrank in place, is of a larger class than its
     * requested size). Checked mode also checks the size against the block's
     * usable size, which costs a load and a compare on the fast path (0.7 ns
     * of a 6.2 ns pair, measured).
     */
    @Override
    public void free(long address, long size) {
        long w = index.word(address);
        if (index.startsBlock(address, w) && size >= 0) {
            int cl = (int) (w & 0xff);
            if (Switches.CHECKED) {
                checkedSmallBlock(address, cl);
                checkedSize(address, size, classSize[cl]);
                checkedFreeing(address); // after the checks, so that a refused free changes nothing
            }
            countFree(cl);
            frontEnd.free(cl, address);
            return;
        }
        freeSizedNotSmall(address, size);
    }

    // The calls of a view bound to one thread, with that thread's cache in hand.

    long malloc(long size, FrontEnd.Cache cache) {
        int cl = classes.classOf(size);
        if (cl != 0) {
            countMalloc(size, cl);
            long a = cache.allocate(cl);
            if (Switches.CHECKED) {
                checked.allocated(a, size);
            }
            return a;
        }
        return mallocNotSmall(size);
    }

    void free(long address, long size, FrontEnd.Cache cache) {
        long w = index.word(address);
        if (index.startsBlock(address, w) && size >= 0) {
            int cl = (int) (w & 0xff);
            if (Switches.CHECKED) {
                checkedSmallBlock(address, cl);
                checkedSize(address, size, classSize[cl]);
                checkedFreeing(address); // after the checks, so that a refused free changes nothing
            }
            countFree(cl);
            cache.free(cl, address);
            return;
        }
        freeSizedNotSmall(address, size);
    }

    void free(long address, FrontEnd.Cache cache) {
        if (Switches.CHECKED) {
            checkedFreeing(address);
        }
        long w = index.word(address);
        if (index.startsBlock(address, w)) {
            int cl = (int) (w & 0xff);
            if (Switches.CHECKED) {
                checkedSmallBlock(address, cl);
            }
            countFree(cl);
            cache.free(cl, address);
            return;
        }
        freeNotSmall(address);
    }

    /** Counts a {@code malloc} of {@code size} bytes served by class {@code cl} (0: whole pages), when switched on. */
    private void countMalloc(long size, int cl) {
        if (AllocationHistogram.ENABLED) {
            histogram.record(size);
        }
        if (Switches.STATS) {
            calls.malloc(cl);
        }
    }

    /** Checked mode: takes a block back from the record of live blocks; closed is closed first. */
    private void checkedFreeing(long address) {
        if (address != 0) {
            ensureOpen();
            checked.freeing(address);
        }
    }

    /** Counts a free of a block of class {@code cl} (0: whole pages), in stats mode. */
    private void countFree(int cl) {
        if (Switches.STATS) {
            calls.free(cl);
        }
    }

    // ---------------------------------------------------------------- slow paths and checks

    private static IllegalArgumentException negativeSize(long size) {
        return new IllegalArgumentException("size must be >= 0: " + size);
    }

    private static IllegalArgumentException notAllocated(long address, String why) {
        return new IllegalArgumentException(
                "0x" + Long.toHexString(address) + " was not allocated by this allocator (" + why + ")");
    }

    /** A {@code malloc} whose size has no class: negative (rejected) or above the largest class. */
    private long mallocNotSmall(long size) {
        if (size < 0) {
            throw negativeSize(size);
        }
        return mallocLarge(size);
    }

    /**
     * A {@code free} the fast path did not take: 0 (a no-op), a whole-span
     * block, a small block the fast path's read of the page map did not see
     * yet, or an address this allocator never handed out.
     */
    private void freeNotSmall(long address) {
        if (address == 0) {
            return;
        }
        int cl = blockClass(address);
        if (cl != 0) {
            countFree(cl);
            frontEnd.free(cl, address);
        } else {
            freeLarge(address);
        }
    }

    /** Checked mode: a sized free's size may not exceed the block's usable size. */
    private static void checkedSize(long address, long size, long usable) {
        if (size > usable) {
            throw new IllegalArgumentException("sized free of 0x" + Long.toHexString(address) + " with size " + size
                    + ", but the block has only " + usable + " usable bytes");
        }
    }

    /**
     * A sized free the fast path did not take: a negative size, 0, a
     * whole-span block, a size above the block's usable size, or an address
     * this allocator never handed out.
     */
    private void freeSizedNotSmall(long address, long size) {
        if (size < 0) {
            throw negativeSize(size);
        }
        if (address == 0) {
            return;
        }
        int cl = blockClass(address);
        checkedSize(address, size, cl != 0 ? classes.size(cl) : largeSpan(address).bytes(pageShift));
        if (Switches.CHECKED) {
            checkedFreeing(address);
        }
        if (cl != 0) {
            countFree(cl);
            frontEnd.free(cl, address);
        } else {
            freeLarge(address);
        }
    }

    /**
     * The size class of the live block at {@code address}, or 0 for a live
     * whole-span block; throws {@link IllegalArgumentException} for any address
     * the page map can tell was not handed out: outside every span, inside a
     * free span, at a position that is no block boundary, or not the start of
     * a whole-span block; {@link IllegalStateException} once closed.
     */
    private int blockClass(long address) {
        Span span = heap.spanOf(address);
        if (span == null || !span.contains(address, pageShift)) {
            ensureOpen(); // a closed allocator's page map is empty
            throw notAllocated(address, "no span of this allocator holds it");
        }
        int state = span.state;
        if (state == Span.SMALL) {
            int cl = span.sizeClass;
            long size = classes.size(cl);
            if ((address - span.start) % size != 0) {
                throw notAllocated(address, "not at a block boundary of class " + cl);
            }
            if ((address - span.start) / size >= span.carved) {
                throw notAllocated(address, "a block of class " + cl + " that was never handed out");
            }
            return cl;
        }
        if (state == Span.LARGE) {
            if (address != span.start) {
                throw notAllocated(address, "inside a block of whole pages that starts at 0x"
                        + Long.toHexString(span.start));
            }
            return 0;
        }
        throw notAllocated(address, "its pages are free");
    }

    /**
     * The span of the whole-page block {@link #blockClass} just found at
     * {@code address}, looked up again: a {@link #close()} racing the call may
     * have emptied the page map since, which is an {@link IllegalStateException}.
     */
    private Span largeSpan(long address) {
        Span span = heap.spanOf(address);
        if (span == null) {
            ensureOpen();
            throw notAllocated(address, "its block was freed meanwhile by another thread");
        }
        return span;
    }

    /** Checked mode: the fast path's class must be the span's, at a block boundary. */
    private void checkedSmallBlock(long address, int cl) {
        int actual = blockClass(address);
        if (actual != cl) {
            throw new IllegalStateException("page map says class " + cl + " for 0x" + Long.toHexString(address)
                    + ", its span says " + actual);
        }
    }

    // ---------------------------------------------------------------- whole-span blocks

    /** A whole-span block of at least {@code size} bytes. */
    private long mallocLarge(long size) {
        long pages = pagesFor(size);
        long address = allocateLarge(pages, 0);
        if (Switches.CHECKED) {
            checked.allocated(address, size);
        }
        countMalloc(size, 0);
        AllocatorListener.INSTANCE.largeAllocation(size, pages << pageShift, address, name);
        return address;
    }

    /** Frees a whole-span block, validating it. */
    private void freeLarge(long address) {
        Span span = heap.spanOf(address);
        if (span == null || span.state != Span.LARGE || span.start != address) {
            blockClass(address); // throws with the precise reason
            throw notAllocated(address, "not a block of whole pages");
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
        zero(address, bytes);
        return address;
    }

    /**
     * Zeroes a block just allocated, unless it is a whole-page block whose
     * pages came untouched from the OS (never touched since mapped, or
     * released): those read as zeroes already, and writing them would make
     * them resident for nothing.
     */
    void zero(long address, long bytes) {
        if (bytes >= reallocPagesFrom) {
            Span span = heap.spanOf(address);
            if (span != null && span.state == Span.LARGE && span.start == address && span.released) {
                return;
            }
        }
        NativeMemory.fill(address, bytes, (byte) 0);
    }

    /**
     * C's realloc. In place where the block allows it:
     * <ul>
     *   <li>a small block keeps its address while the new size is in its
     *       class, or shrinks to no less than half of it;</li>
     *   <li>a small block that grows to {@code >= reallocPagesFrom} (half a
     *       page) moves to whole pages, where later growth is in place;</li>
     *   <li>a whole-page block shrinks in place, giving its tail pages back,
     *       and grows in place into a free span that follows it.</li>
     * </ul>
     * Otherwise it allocates, copies and frees.
     */
    @Override
    public long realloc(long address, long newSize) {
        if (newSize < 0) {
            throw negativeSize(newSize);
        }
        if (address == 0) {
            return malloc(newSize);
        }
        if (Switches.CHECKED) {
            ensureOpen();
            checked.checkLive(address, "realloc");
        }
        int cl = blockClass(address);
        long usable;
        if (cl != 0) {
            usable = classes.size(cl);
            if (newSize <= usable && newSize >= (usable >>> 1)) {
                if (Switches.CHECKED) {
                    checked.resized(address, newSize);
                }
                return address;
            }
            if (newSize > usable && newSize >= reallocPagesFrom) {
                return move(address, usable, newSize, mallocLarge(newSize));
            }
        } else {
            Span span = largeSpan(address);
            usable = span.bytes(pageShift);
            if (newSize >= reallocPagesFrom) {
                long pages = pagesFor(newSize);
                if (pages == span.pages || heap.resize(span, pages)) {
                    if (Switches.CHECKED) {
                        checked.resized(address, newSize);
                    }
                    return address;
                }
                return move(address, usable, newSize, mallocLarge(newSize));
            }
        }
        return move(address, usable, newSize, malloc(newSize));
    }

    /** Copies what fits from the old block to {@code fresh}, frees the old one, answers {@code fresh}. */
    private long move(long address, long usable, long newSize, long fresh) {
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
        if (size <= classes.maxSize() && alignment <= pageSize) {
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
        long address = allocateLarge(pages, alignment <= pageSize ? 0 : alignment);
        if (Switches.CHECKED) {
            checked.allocated(address, size);
        }
        return address;
    }

    /**
     * A span of {@code pages} pages from the page heap ({@code alignment} 0: a
     * page), the limits kept: past the soft limit the caches are emptied first,
     * so that their spans can be released; refused by the hard limit, the caches
     * are emptied and it tries once more.
     */
    private long allocateLarge(long pages, long alignment) {
        if (softLimit != 0 && heap.stats().residentBytes() + (pages << pageShift) > softLimit) {
            emptyCaches();
        }
        try {
            return (alignment == 0 ? heap.allocate(pages, 0) : heap.allocateAligned(pages, alignment)).start;
        } catch (OutOfMemoryError e) {
            if (hardLimit == 0) {
                throw e;
            }
            emptyCaches();
            return (alignment == 0 ? heap.allocate(pages, 0) : heap.allocateAligned(pages, alignment)).start;
        }
    }

    /** Returns the cached blocks this thread can reach and the transfer caches to the central lists. */
    private void emptyCaches() {
        frontEnd.drain();
        central.drainTransferCaches();
    }

    @Override
    public long usableSize(long address) {
        if (Switches.CHECKED) {
            ensureOpen();
            checked.checkLive(address, "usableSize");
        }
        int cl = blockClass(address);
        return cl != 0 ? classes.size(cl) : largeSpan(address).bytes(pageShift);
    }

    // ---------------------------------------------------------------- segments

    /** A segment with a lifetime of its own, confined to the calling thread; see {@link SegmentLayer}. */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return segments.allocate(byteSize, byteAlignment);
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
        segments.free(segment);
    }

    @Override
    public Arena newArena() {
        return segments.newArena(frontEnd.cache(), true);
    }

    @Override
    public Arena newArena(boolean zeroed) {
        return segments.newArena(frontEnd.cache(), zeroed);
    }

    /** A confined arena over a thread-bound view's cache. */
    Arena newArena(FrontEnd.Cache cache, boolean zeroed) {
        return segments.newArena(cache, zeroed);
    }

    @Override
    public Arena newSharedArena() {
        return segments.newSharedArena(true);
    }

    @Override
    public Arena newSharedArena(boolean zeroed) {
        return segments.newSharedArena(zeroed);
    }

    /**
     * A block for an arena segment of {@code byteSize} bytes aligned to
     * {@code byteAlignment}, from {@code cache} when a size class serves it.
     */
    long arenaBlock(long byteSize, long byteAlignment, FrontEnd.Cache cache) {
        // 1, 2, 4 or 8: every block of a class is aligned to 8.
        if ((byteAlignment & (byteAlignment - 1)) == 0 && Long.compareUnsigned(byteAlignment - 1, 8) < 0) {
            int cl = classes.classOf(byteSize);
            if (cl != 0) {
                countMalloc(byteSize, cl);
                long a = cache.allocate(cl);
                if (Switches.CHECKED) {
                    checked.allocated(a, byteSize);
                }
                return a;
            }
        }
        checkSegmentArguments(byteSize, byteAlignment);
        return alignedAlloc(byteAlignment, byteSize);
    }

    @Override
    public Allocator threadBound() {
        ensureOpen();
        return new BoundAllocator(this, frontEnd.cache());
    }

    // ---------------------------------------------------------------- closing

    /** Frees everything and unmaps it; see {@link Allocator#close()} and the class comment. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            segments.checkClosable(); // throws, changing nothing, while arenas or segments are live
            if (releaseTask != null) {
                BackgroundRelease.cancel(releaseTask);
            }
            synchronized (maintenance) { // waits for a background release that runs now
                frontEnd.forgetAll();
                closed = true;
            }
        }
        try {
            central.close();
        } finally {
            heap.close();
            closeActions.forEach(Runnable::run);
        }
    }

    /** Whether {@link #close()} has run. */
    boolean isClosed() {
        return closed;
    }

    /** Throws {@link IllegalStateException} once the allocator is closed. */
    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Runs {@code action} once {@link #close()} has unmapped everything. */
    void onClose(Runnable action) {
        closeActions.add(action);
    }

    // ---------------------------------------------------------------- the rest

    /**
     * Returns cached blocks to the central lists (every CPU's, or the calling
     * thread's and dead threads'), the transfer caches to the central lists,
     * so that spans left empty go back to the page heap, then releases every
     * free page to the OS.
     */
    @Override
    public long releaseFreeMemory() {
        ensureOpen();
        segments.pollLeaks();
        segments.sweepDeadThreads();
        emptyCaches();
        return heap.releaseFreeMemory();
    }

    /**
     * One run of the background release (on the release thread): idle caches
     * are scavenged (all caches emptied while over the soft limit), then the
     * page heap releases what is due, at most {@link #releasePerRun} bytes.
     * Nothing after {@link #close()}.
     */
    void releaseInBackground() {
        synchronized (maintenance) {
            if (closed) {
                return;
            }
            boolean over = softLimit != 0 && heap.stats().residentBytes() > softLimit;
            frontEnd.scavenge(over);
            central.scavenge(over);
            heap.releaseIdle(releasePerRun);
        }
    }

    @Override
    public void setMemoryLimits(long soft, long hard) {
        ensureOpen();
        heap.setMemoryLimits(soft, hard);
        softLimit = soft;
        hardLimit = hard;
    }

    @Override
    public void flushThreadCache() {
        ensureOpen();
        frontEnd.flushCurrentThread();
    }

    @Override
    public AllocationHistogram histogram() {
        return histogram;
    }

    @Override
    public String frontEnd() {
        return name;
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public AllocatorStats stats() {
        ensureOpen();
        long[] cached = frontEnd.cachedBlocks();
        CacheCounters counters = frontEnd.counters();
        CentralClassStats[] centralStats = central.classStats();
        PageHeapStats heapStats = heap.stats();
        List<SizeClassStats> perClass = new ArrayList<>(classes.count());
        long inUse = heapStats.largeBytes();
        long inFrontEnd = 0;
        long transfer = 0;
        long handedOut = 0;
        for (int cl = 1; cl <= classes.count(); cl++) {
            CentralClassStats c = centralStats[cl];
            long size = classes.size(cl);
            long fe = cl < cached.length ? cached[cl] : 0;
            long used = c.handedOut() - c.inTransfer() - fe;
            inUse += used * size;
            inFrontEnd += fe * size;
            transfer += c.inTransfer() * size;
            handedOut += c.handedOut() * size;
            perClass.add(new SizeClassStats(cl, (int) size, c.spans(), used, fe, c.inTransfer(), c.freeInSpans(),
                    count(counters, cl, Kind.HITS), count(counters, cl, Kind.MISSES),
                    count(counters, cl, Kind.REFILLS), count(counters, cl, Kind.FLUSHES),
                    Switches.STATS ? calls.mallocs(cl) : 0, Switches.STATS ? calls.frees(cl) : 0));
        }
        return new AllocatorStats(name, inUse, inFrontEnd, transfer, heapStats.smallBytes() - handedOut,
                heapStats.freeBytes(), heapStats.releasedBytes(), heapStats.mappedBytes(),
                heapStats.largeBytes(), heapStats.metadataBytes(), heapStats.spansAllocated(),
                heapStats.spansFreed(), heapStats.bytesReleasedTotal(), Switches.STATS ? calls.mallocs(0) : 0,
                Switches.STATS ? calls.frees(0) : 0, heapStats.release(), perClass, details());
    }

    /** The front end's count of {@code kind} for class {@code cl}; 0 when it keeps none. */
    private static long count(CacheCounters counters, int cl, Kind kind) {
        return counters == null ? 0 : counters.get(cl, kind);
    }

    /** The front end's figures, then the segment layer's. */
    private java.util.Map<String, Long> details() {
        segments.pollLeaks();
        java.util.Map<String, Long> d = new java.util.LinkedHashMap<>(frontEnd.details());
        d.put("arenas open", segments.openArenas());
        d.put("arenas leaked (unreachable, never closed)", segments.leakedArenas());
        d.put("blocks taken back from leaked arenas and dead threads", segments.reclaimedBlocks());
        d.put("segments of allocate() live", segments.liveSegments());
        return d;
    }

    /** Checks the invariants of every tier: the front end's reachable caches, the central cache, the page heap. */
    @Override
    public void checkInvariants() {
        ensureOpen();
        segments.checkInvariants();
        frontEnd.checkInvariants();
        central.checkInvariants();
        heap.checkInvariants();
    }

    @Override
    public String toString() {
        return "rtmalloc[" + name + "]";
    }
}
