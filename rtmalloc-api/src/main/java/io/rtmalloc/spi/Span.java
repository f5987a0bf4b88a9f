package io.rtmalloc.spi;

/**
 * A run of contiguous pages, the unit the page heap hands out.
 *
 * <pre>
 *   start                                              start + pages * pageSize
 *   |  page 0  |  page 1  |  ...                    |  page pages-1  |
 *   |obj 0|obj 1|obj 2| ...            |obj n-1| tail waste          |   (a small span)
 * </pre>
 *
 * <p>A span is in one of five states:
 * <ul>
 *   <li>{@link #FREE}: in the page heap's free lists; owned by the page heap
 *       (guarded by its lock). {@link #released} tells whether its pages are
 *       untouched (given back to the OS, or never touched since they were
 *       mapped): a free span is all one or all the other.</li>
 *   <li>{@link #SMALL}: carved into blocks of {@link #sizeClass}; owned by that
 *       class's central free list (guarded by its lock). Every page of it is in
 *       the page map.</li>
 *   <li>{@link #LARGE}: one block handed to the application whole. Its first and
 *       last pages are in the page map.</li>
 *   <li>{@link #DEAD}: merged into a neighbour and no longer a span. Stale
 *       page-map entries may still point here; lookups treat it as no span.</li>
 *   <li>{@link #RELEASING}: free pages the page heap is returning to the OS
 *       outside its lock; owned by the thread releasing them, in no list, and
 *       never merged. Lookups treat it as free pages.</li>
 * </ul>
 *
 * <p>The list links ({@link #prev}, {@link #next}) belong to whoever owns the
 * span: the page heap's free lists while it is free, the central free list
 * while it is small. The object fields ({@code freeBits}, {@code freeCount}, {@code allocated},
 * {@code carved}) are the central free list's; they mean nothing in other
 * states.
 *
 * <p>SYNCHRONIZATION: fields are plain; each is written only by the owner of the
 * span's current state, under that owner's lock. Readers outside the lock (the
 * page-map lookup of a {@code free}) see a consistent span whenever the address
 * came to them through the allocator (the lock release that handed the block out
 * happens-before).
 */
public final class Span {

    /** In the page heap's free lists. */
    public static final int FREE = 0;
    /** Carved into blocks of one size class. */
    public static final int SMALL = 1;
    /** One block handed out whole. */
    public static final int LARGE = 2;
    /** Merged into a neighbour: no longer a span. */
    public static final int DEAD = 3;
    /** Free pages being returned to the OS outside the page heap's lock. */
    public static final int RELEASING = 4;

    /** First byte; a multiple of the page size. INVARIANT: fixed while not FREE. */
    public long start;
    /** Length in pages, {@code >= 1}. */
    public long pages;
    /** One of {@link #FREE}, {@link #SMALL}, {@link #LARGE}, {@link #DEAD}, {@link #RELEASING}. */
    public int state;
    /** The size class of a SMALL span, else 0. */
    public int sizeClass;
    /**
     * FREE spans: whether no page is touched (returned to the OS, or never
     * touched since mapped). SMALL and LARGE spans: whether the pages were
     * untouched when the span was handed out (the page heap then knows that a
     * small span's pages beyond its carved blocks are still untouched).
     */
    public boolean released;
    /**
     * FREE spans with touched pages: when (in {@link System#nanoTime()} units)
     * they become idle long enough to be released. The page heap's.
     */
    public long releaseAt;
    /**
     * FREE spans with touched pages: whether they wait in the page heap's short
     * queue (freed large blocks, released soon) rather than its decay queue.
     */
    public boolean releaseSoon;
    /** FREE spans with touched pages: the older neighbour in the page heap's queue they wait in, oldest first. */
    public Span olderDirty;
    /** FREE spans with touched pages: the newer neighbour in that queue. */
    public Span newerDirty;

    /** The previous span in the current owner's list. */
    public Span prev;
    /** The next span in the current owner's list. */
    public Span next;

    /**
     * SMALL: the free blocks among the carved ones, a bit per block (bit
     * {@code i} of word {@code i >>> 6} for block {@code i}), kept on the Java
     * heap: no block is touched to free or take it, and a write to a freed
     * block cannot damage the set. The central free list's.
     */
    public long[] freeBits;
    /** SMALL: the bits set in {@link #freeBits}. */
    public int freeCount;
    /** SMALL: no word of {@link #freeBits} below this index has a bit set. */
    public int scan;
    /** SMALL: blocks of this span currently outside the central free list. */
    public int allocated;
    /** SMALL: blocks carved so far; blocks at index >= carved were never handed out. */
    public int carved;

    /**
     * A span of {@code pages} pages from {@code start}, in state {@link #FREE} (0).
     *
     * @param start the first byte, a multiple of the page size
     * @param pages the length in pages
     */
    public Span(long start, long pages) {
        this.start = start;
        this.pages = pages;
    }

    /**
     * One past the last byte, given the page shift.
     *
     * @param pageShift log2 of the page size
     * @return one past the last byte
     */
    public long end(int pageShift) {
        return start + (pages << pageShift);
    }

    /**
     * Bytes covered, given the page shift.
     *
     * @param pageShift log2 of the page size
     * @return the bytes covered
     */
    public long bytes(int pageShift) {
        return pages << pageShift;
    }

    /**
     * Whether {@code address} lies inside this span.
     *
     * @param address any address
     * @param pageShift log2 of the page size
     * @return whether {@code address} lies inside this span
     */
    public boolean contains(long address, int pageShift) {
        return address >= start && address - start < (pages << pageShift);
    }

    @Override
    public String toString() {
        String s = switch (state) {
            case FREE -> released ? "free-released" : "free";
            case SMALL -> "small(class " + sizeClass + ", " + allocated + " allocated)";
            case LARGE -> "large";
            case RELEASING -> "releasing";
            default -> "dead";
        };
        return "Span[0x" + Long.toHexString(start) + ", " + pages + " pages, " + s + "]";
    }
}
