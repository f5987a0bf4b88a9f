package io.rtmalloc.spi;

/**
 * The back end: spans of pages carved from memory mapped from the operating
 * system, and the page map from address to span.
 *
 * <p>Implementations are thread-safe. Lookups ({@link #spanOf}) take no lock.
 */
public interface PageHeap {

    /** Bytes per page, a power of two {@code >= 4096}. */
    int pageSize();

    /** log2 of {@link #pageSize()}. */
    int pageShift();

    /**
     * A span of exactly {@code pages} pages, in state {@link Span#SMALL} with the
     * given class (every page mapped to it, none carved yet: see
     * {@link #markCarved}) or, for class 0, {@link Span#LARGE}.
     *
     * @throws OutOfMemoryError if the system refuses memory; the heap stays consistent
     */
    Span allocate(long pages, int sizeClass);

    /**
     * A {@link Span#LARGE} span of {@code pages} pages whose start is a multiple of
     * {@code alignment} (a power of two, at least the page size).
     */
    Span allocateAligned(long pages, long alignment);

    /** Takes a SMALL or LARGE span back, coalescing it with free neighbours. */
    void free(Span span);

    /**
     * The span whose page map entry covers {@code address}'s page, or null. The
     * result may be a stale entry (a DEAD span, or one not containing the
     * address): callers check {@link Span#state} and {@link Span#contains}.
     * Takes no lock.
     */
    Span spanOf(long address);

    /**
     * The size class recorded for the page of {@code address}: {@code > 0} for a
     * page of a SMALL span in which a carved block starts ({@link #markCarved}),
     * 0 otherwise (large, free, not carved yet, or any address outside this
     * heap). Takes no lock and never faults, whatever the address.
     */
    int sizeClassOf(long address);

    /**
     * The free fast path's validation: the size class of the block that starts
     * at {@code address} when {@code address} is the first byte of a carved
     * block of a SMALL span (a block the central tier has handed out at least
     * once), else 0: for every address outside this heap, in a free or large
     * span, inside a block (an interior address), or at a block boundary that
     * was never carved. Takes no lock; it must cost one unsigned compare of
     * the address against the heap's mapped range, one read of a flat map and
     * a divisibility test by multiplication, and must never fault, whatever
     * the address.
     */
    int blockClassOf(long address);

    /**
     * Records that every block of {@code span} (SMALL) that starts in its page
     * {@code page} (counted from the span's first page) is carved, so that
     * {@link #blockClassOf} answers the span's class for them. Called by the
     * central free list that owns the span, under its lock, before any of those
     * blocks leaves it.
     *
     * @param blockSize the size of the span's class
     */
    void markCarved(Span span, long page, int blockSize);

    /**
     * Whether {@code address} lies in the memory this heap has mapped for spans
     * (so that reading or writing the 8 bytes at an 8-byte aligned such address
     * can never fault while the heap is open). One unsigned compare; no lock.
     * The mapped range only grows until {@link #close()}. Moreover, the memory
     * from such an address up to the size of the largest size class further
     * can be read and written without a fault, while the heap is open and
     * after it is closed: a block a front end takes from a free list whose
     * head passes this test lies in mapped memory whole, even when the list
     * was damaged by a write to a freed block.
     */
    boolean contains(long address);

    /**
     * Resizes a {@link Span#LARGE} span in place to {@code pages} pages, for
     * {@code realloc}: shrinking gives the tail back to the free lists;
     * growing takes the start of the free spans that follow it, when they are
     * long enough together (and the memory limits allow it). The span keeps its
     * start.
     *
     * @return whether the span now has {@code pages} pages; false leaves it unchanged
     * @throws IllegalArgumentException if {@code span} is not a large span in use of this heap
     */
    boolean resize(Span span, long pages);

    /** Returns every free, touched page to the OS; answers the bytes released. */
    long releaseFreeMemory();

    /**
     * The background release, called now and then (by the allocator's release
     * thread): returns to the OS, oldest first, the free pages whose time is
     * up (free for the decay time, or for the short delay of freed large
     * blocks), and, while the resident memory is over the soft limit, the
     * oldest free pages until it is under; at most about {@code maxBytes} in
     * all. Takes its lock in short spells: the system calls run outside it.
     *
     * @return the bytes released
     */
    default long releaseIdle(long maxBytes) {
        return 0;
    }

    /**
     * Sets the limits on the heap's resident memory (touched pages of small,
     * large and free spans), in bytes; 0 means none. Before pages that are not
     * resident are handed out past the soft limit, free touched pages are
     * released, oldest first; a request that would take the resident memory past
     * the hard limit even then is refused with {@link OutOfMemoryError}, the heap
     * unchanged.
     *
     * @throws IllegalArgumentException for a negative limit, or a hard limit under the soft one
     */
    default void setMemoryLimits(long soft, long hard) {
        throw new UnsupportedOperationException(getClass().getName() + " has no memory limits");
    }

    /** Tells {@code listener} (null: nobody) of every release the heap makes from now on. */
    default void setReleaseListener(ReleaseListener listener) {
    }

    /** A consistent snapshot of the heap's figures. */
    PageHeapStats stats();

    /**
     * Checks every invariant of the heap (free lists, coalescing, page map,
     * accounting) and throws {@link IllegalStateException} naming the first one
     * broken. Expensive: for tests and checked mode.
     */
    void checkInvariants();

    /**
     * Returns the heap's memory to the OS and empties the page map, so that
     * {@link #spanOf} answers null, {@link #sizeClassOf} and
     * {@link #blockClassOf} 0 and {@link #contains} false for every address;
     * every other later call throws {@link IllegalStateException}. Idempotent.
     * A call racing the close (a front end popping or pushing a block it
     * already held) must not fault: memory a lookup may have admitted before
     * the close stays readable and writable (as fresh zero pages, holding no
     * memory), so a racing call completes harmlessly or fails.
     */
    void close();

    /** Whether {@link #close()} has run. Takes no lock. */
    boolean isClosed();
}
