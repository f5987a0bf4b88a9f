package io.rtmalloc.spi;

/**
 * The back end: spans of pages carved from memory mapped from the operating
 * system, and the page map from address to span.
 *
 * <p>Implementations are thread-safe. Lookups ({@link #spanOf}) take no lock.
 */
public interface PageHeap {

    /**
     * Bytes per page, a power of two {@code >= 4096}.
     *
     * @return bytes per page
     */
    int pageSize();

    /**
     * log2 of {@link #pageSize()}.
     *
     * @return log2 of the page size
     */
    int pageShift();

    /**
     * A span of exactly {@code pages} pages, in state {@link Span#SMALL} with the
     * given class (every page mapped to it, none carved yet: see
     * {@link #markCarved}) or, for class 0, {@link Span#LARGE}.
     *
     * @param pages the span's length in pages
     * @param sizeClass the span's size class, or 0 for a large span
     * @return the span
     * @throws OutOfMemoryError if the system refuses memory; the heap stays consistent
     */
    Span allocate(long pages, int sizeClass);

    /**
     * A {@link Span#LARGE} span of {@code pages} pages whose start is a multiple of
     * {@code alignment} (a power of two, at least the page size).
     *
     * @param pages the span's length in pages
     * @param alignment the alignment of its start, in bytes
     * @return the span
     */
    Span allocateAligned(long pages, long alignment);

    /**
     * Takes a SMALL or LARGE span back, coalescing it with free neighbours.
     *
     * @param span the span, SMALL or LARGE
     */
    void free(Span span);

    /**
     * The span whose page map entry covers {@code address}'s page, or null. The
     * result may be a stale entry (a DEAD span, or one not containing the
     * address): callers check {@link Span#state} and {@link Span#contains}.
     * Takes no lock.
     *
     * @param address any address
     * @return the span of the page map entry, or null
     */
    Span spanOf(long address);

    /**
     * The lookups of the fast paths, on a final class: {@link HeapIndex#contains},
     * {@link HeapIndex#blockClassOf} (the free fast path's validation) and
     * {@link HeapIndex#sizeClassOf}. They take no lock and never fault, whatever
     * the address. Moreover, the memory from an address the index
     * {@linkplain HeapIndex#contains contains} up to the size of the largest size
     * class further can be read and written without a fault, while the heap is
     * open and after it is closed: a block a front end takes from a free list
     * whose head passes that test lies in mapped memory whole, even when the
     * list was damaged by a write to a freed block.
     *
     * @return the lookups of the fast paths
     */
    HeapIndex index();

    /**
     * Records that every block of {@code span} (SMALL) that starts in its page
     * {@code page} (counted from the span's first page) is carved, so that
     * {@link HeapIndex#blockClassOf} answers the span's class for them. Called by the
     * central free list that owns the span, under its lock, before any of those
     * blocks leaves it.
     *
     * @param span the SMALL span
     * @param page the page's index in the span
     * @param blockSize the size of the span's class
     */
    void markCarved(Span span, long page, int blockSize);

    /**
     * Resizes a {@link Span#LARGE} span in place to {@code pages} pages, for
     * {@code realloc}: shrinking gives the tail back to the free lists;
     * growing takes the start of the free spans that follow it, when they are
     * long enough together (and the memory limits allow it). The span keeps its
     * start.
     *
     * @param span the LARGE span
     * @param pages the span's new length in pages
     * @return whether the span now has {@code pages} pages; false leaves it unchanged
     * @throws IllegalArgumentException if {@code span} is not a large span in use of this heap
     */
    boolean resize(Span span, long pages);

    /**
     * Returns every free, touched page to the OS; answers the bytes released.
     *
     * @return the bytes released
     */
    long releaseFreeMemory();

    /**
     * The background release, called now and then (by the allocator's release
     * thread): returns to the OS, oldest first, the free pages whose time is
     * up (free for the decay time, or for the short delay of freed large
     * blocks), and, while the resident memory is over the soft limit, the
     * oldest free pages until it is under; at most about {@code maxBytes} in
     * all. Takes its lock in short spells: the system calls run outside it.
     *
     * @param maxBytes about the most bytes released by this call
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
     * @param soft the soft limit in bytes, 0 for none
     * @param hard the hard limit in bytes, 0 for none
     * @throws IllegalArgumentException for a negative limit, or a hard limit under the soft one
     */
    default void setMemoryLimits(long soft, long hard) {
        throw new UnsupportedOperationException(getClass().getName() + " has no memory limits");
    }

    /**
     * Tells {@code listener} (null: nobody) of every release the heap makes from now on.
     *
     * @param listener the listener, or null for nobody
     */
    default void setReleaseListener(ReleaseListener listener) {
    }

    /**
     * A consistent snapshot of the heap's figures.
     *
     * @return a snapshot of the heap's figures
     */
    PageHeapStats stats();

    /**
     * Checks every invariant of the heap (free lists, coalescing, page map,
     * accounting) and throws {@link IllegalStateException} naming the first one
     * broken. Expensive: for tests and checked mode.
     */
    void checkInvariants();

    /**
     * Returns the heap's memory to the OS and empties the page map, so that
     * {@link #spanOf} answers null, the index's {@link HeapIndex#sizeClassOf}
     * and {@link HeapIndex#blockClassOf} 0 and {@link HeapIndex#contains}
     * false for every address;
     * every other later call throws {@link IllegalStateException}. Idempotent.
     * A call racing the close (a front end popping or pushing a block it
     * already held) must not fault: memory a lookup may have admitted before
     * the close stays readable and writable (as fresh zero pages, holding no
     * memory), so a racing call completes harmlessly or fails.
     */
    void close();

    /**
     * Whether {@link #close()} has run. Takes no lock.
     *
     * @return whether {@link #close()} has run
     */
    boolean isClosed();
}
