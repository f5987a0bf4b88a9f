package io.rtmalloc.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lookups of a page heap that the fast paths make, from an address alone
 * and without a lock: whether it lies in the heap's mapped memory
 * ({@link #contains}), and which size class a carved block starting there is
 * of ({@link #blockClassOf}). A page heap makes one and hands it out through
 * {@link PageHeap#index()}.
 *
 * <p>It is a final class, not a method of {@link PageHeap}, so that a caller
 * holding it (the allocator's free, a front end's pop) calls it without the
 * type check an interface call costs: 0.45 ns of the thread-bound view's
 * 64-byte {@code malloc} and {@code free} pair (7.53 to 7.09 ns, one job).
 *
 * <h2>The page words</h2>
 * A native array of one long per page of the heap's reservation, from its
 * base:
 * <pre>
 *   page word:   | multiplier c (40 bits) | phase (16 bits) | size class (8 bits) |   0: no carved block starts here
 * </pre>
 * A page's word is 0 unless every block of its SMALL span that starts in the
 * page has been carved; then it holds the span's size class, the page's phase
 * (the offset of its first byte past the block boundary at or before it,
 * {@code (page offset in span) mod size}) and {@code c = ceil(2^38 / size)},
 * the multiplier of a divisibility test: with {@code n = (address mod
 * pageSize) + phase}, below 2^22 for pages of up to 2 MiB and blocks of up to
 * 64 KiB, the address is a block boundary iff {@code n} is a multiple of the
 * size, iff {@code (n * c) mod 2^38 < c} (Lemire, Kaser and Kurz, "Faster
 * remainder by direct computation", 2019: it holds for every {@code n < 2^N}
 * when {@code 38 >= N + log2(size)}). Blocks above {@link #FAST_CHECK_MAX_SIZE},
 * and every block when pages are above 2 MiB, have phase and multiplier 0, so
 * the test fails and the caller takes its span-based slow path.
 *
 * <h2>Synchronization</h2>
 * {@code base}, {@code words} and {@code pageShift} are final. The mapped
 * size only grows, written by the heap under its lock with a volatile write
 * once the new region is mapped and its page words are set, and is read
 * plainly. A stale read can only be smaller than the current value (or, racing
 * the heap's close, the value before 0): it makes an address of the newest
 * region look foreign, which only sends the caller to a slow path that takes
 * the lock; no block of that region reaches a caller without a happens-before
 * edge from the write. No value ever read can make a word's read fault: the
 * words cover the whole reservation and stay mapped as long as the heap's
 * range is.
 */
public final class HeapIndex {

    /** The exponent {@code F} of the divisibility test: {@code c = ceil(2^F / size)}. */
    public static final int TEST_BITS = 38;
    private static final long TEST_MASK = (1L << TEST_BITS) - 1;
    /** Blocks up to this size get the test on the fast path (their phase fits 16 bits). */
    public static final int FAST_CHECK_MAX_SIZE = 1 << 16;
    /** Pages up to this size get the test ({@code n} fits 22 bits). */
    private static final long FAST_CHECK_MAX_PAGE = 2L << 20;

    private static final VarHandle MAPPED;

    static {
        try {
            MAPPED = MethodHandles.lookup().findVarHandle(HeapIndex.class, "mapped", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long base;
    /** Bytes mapped from {@code base}; 0 after close. See the class comment. */
    private long mapped;
    private final long words;
    private final int pageShift;
    private final long pageMask;

    /**
     * An index over a reservation whose pages are all unmapped.
     *
     * @param base      the reservation's first byte, a multiple of the page size
     * @param words     the page words: a native array of one zero long per page of the reservation
     * @param pageShift log2 of the page size
     */
    public HeapIndex(long base, long words, int pageShift) {
        this.base = base;
        this.words = words;
        this.pageShift = pageShift;
        this.pageMask = (1L << pageShift) - 1;
    }

    /**
     * Whether {@code address} lies in the memory the heap has mapped for spans.
     * One unsigned compare. What else the heap guarantees of such an address is
     * in {@link PageHeap#index()}.
     *
     * @param address any address
     * @return whether {@code address} lies in the mapped memory
     */
    public boolean contains(long address) {
        return Long.compareUnsigned(address - base, mapped) < 0;
    }

    /**
     * The free fast path's validation: the size class of the block that starts
     * at {@code address} when {@code address} is the first byte of a carved
     * block of a SMALL span (a block the central tier has handed out at least
     * once), else 0: for every address outside the heap, in a free or large
     * span, inside a block (an interior address), at a block boundary that was
     * never carved, or of a block above {@link #FAST_CHECK_MAX_SIZE}. One
     * unsigned compare, one read of the page's word and a divisibility test
     * by one multiplication; never faults, whatever the address.
     *
     * @param address any address
     * @return the size class of the block that starts at {@code address}, else 0
     */
    public int blockClassOf(long address) {
        long w = word(address);
        return startsBlock(address, w) ? (int) (w & 0xff) : 0;
    }

    /**
     * The word of the page of {@code address} ({@link #blockClassOf}'s first
     * half): 0 for an address outside the mapped memory, or of a page in
     * which no carved block starts. One unsigned compare and one read.
     *
     * @param address any address
     * @return the word of the page of {@code address}, or 0
     */
    public long word(long address) {
        long off = address - base;
        if (Long.compareUnsigned(off, mapped) >= 0) {
            return 0;
        }
        return NativeMemory.getLong(words + ((off >>> pageShift) << 3));
    }

    /**
     * Whether {@code address} is the first byte of a carved block, given its
     * page's {@link #word} ({@link #blockClassOf}'s second half): the
     * divisibility test, false for a word of 0. When true, the word's low
     * byte is the block's size class, never 0. A caller that branches on this
     * test, rather than on the class {@link #blockClassOf} answers, makes no
     * second test of the class.
     *
     * @param address any address
     * @param word the word of the page of {@code address}
     * @return whether {@code address} is the first byte of a carved block
     */
    public boolean startsBlock(long address, long word) {
        long c = word >>> 24;
        // The base is page-aligned, so the address's offset in its page is the offset's.
        return (((address & pageMask) + ((word >>> 8) & 0xffff)) * c & TEST_MASK) < c;
    }

    /**
     * The size class of the page of {@code address}: {@code > 0} for a page of
     * a SMALL span in which a carved block starts, 0 otherwise (large, free, not
     * carved yet, or any address outside the heap). Never faults.
     *
     * @param address any address
     * @return the size class of the page of {@code address}, or 0
     */
    public int sizeClassOf(long address) {
        return (int) (word(address) & 0xff);
    }

    /**
     * The word of a page of a SMALL span of class {@code cl} whose blocks are
     * all carved: {@code page} is the page's index in its span.
     *
     * @param cl the span's size class
     * @param page the page's index in its span
     * @param blockSize the class's block size
     * @return the page's word
     */
    public long word(int cl, long page, int blockSize) {
        if (blockSize > FAST_CHECK_MAX_SIZE || (1L << pageShift) > FAST_CHECK_MAX_PAGE) {
            return cl; // phase and multiplier 0: the span-based check
        }
        long phase = (page << pageShift) % blockSize;
        long c = ((1L << TEST_BITS) + blockSize - 1) / blockSize;
        return cl | (phase << 8) | (c << 24);
    }

    /**
     * The first byte of the reservation.
     *
     * @return the first byte of the reservation
     */
    public long base() {
        return base;
    }

    /**
     * Bytes mapped from the base; 0 once the heap is closed.
     *
     * @return bytes mapped from the base
     */
    public long mapped() {
        return mapped;
    }

    /**
     * Publishes a new mapped size (a volatile write). Called by the heap that
     * made this index, under its lock: only larger values, once the new region
     * is mapped and its words set, then 0 at close.
     *
     * @param bytes the new mapped size
     */
    public void setMapped(long bytes) {
        MAPPED.setVolatile(this, bytes);
    }
}
