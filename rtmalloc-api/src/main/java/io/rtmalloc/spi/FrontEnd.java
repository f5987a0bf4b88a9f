package io.rtmalloc.spi;

import java.util.Map;

/**
 * A front end: the caches small blocks pass through between the application
 * and the {@link CentralCache}. The allocator ({@code io.rtmalloc.Allocator},
 * one class for every front end) validates every call, serves large blocks,
 * segments and arenas, and calls a front end only to take or give back one
 * block of a size class it has already checked: calls go one way, allocator,
 * front end, central cache, page heap.
 *
 * <p>Implementations are thread-safe. {@link #allocate} and {@link #free} are
 * the fast path: they should find the calling thread's (or CPU's) cache with
 * no lock, no atomic and no {@link ThreadLocal} probe where they can, and stay
 * small enough for C2 to inline into the allocator.
 */
public interface FrontEnd {

    /**
     * The name users choose it by ("global", "threadcache", "percpu").
     *
     * @return the front end's name
     */
    String name();

    /**
     * A block of class {@code sizeClass} for the calling thread.
     *
     * @param sizeClass the size class
     * @return the block's address
     * @throws OutOfMemoryError if the tiers below cannot grow
     * @throws IllegalStateException once the allocator is closed and the cache is empty
     */
    long allocate(int sizeClass);

    /**
     * Takes back a block of class {@code sizeClass}; the allocator has checked
     * that the address is the first byte of a carved block of that class
     * ({@link HeapIndex#blockClassOf}).
     *
     * <p>Misuse a front end must survive: a front end that keeps blocks in
     * intrusive lists (linked through the blocks' first words) must check
     * every head it pops with {@link HeapIndex#contains} before it is read or
     * handed out (a write to a freed block may have changed a next pointer),
     * and every link it follows likewise ({@link FreeList}); {@link #damagedList}
     * makes the error. Caches kept in Java arrays ({@link CpuCaches}) cannot be damaged
     * that way. A block already at the head of the list (or top of the stack)
     * it joins is a double free ({@link #doubleFree}).
     *
     * @param sizeClass the size class of the block
     * @param block the block's address
     * @throws IllegalArgumentException for a double free it detects
     */
    void free(int sizeClass, long block);

    /**
     * The calling thread's cache, to be held in hand by a thread-bound view or
     * a confined arena and used by the calling thread only: its calls skip the
     * lookup of {@link #allocate}. For a front end without per-thread state, a
     * cache that does what {@link #allocate} and {@link #free} do.
     *
     * @return the calling thread's cache
     */
    Cache cache();

    /** Returns the calling thread's cached blocks to the central cache. */
    void flushCurrentThread();

    /**
     * Returns every cached block it can to the central cache (every CPU's, or
     * the calling thread's and those of dead threads), for
     * {@code releaseFreeMemory()}.
     */
    void drain();

    /**
     * For the background release (a thread of the allocator's own, never a
     * cache's owner): gives back to the central cache what idle caches hold,
     * touching only caches it may touch safely. With {@code all}, the memory is
     * over its soft limit: every cache it can reach gives back everything.
     *
     * <p>A front end whose caches are owned by threads cannot take their
     * blocks (their lists are unsynchronized): it gives back the caches of dead
     * threads and asks the others to scavenge at their owner's next slow path
     * (an owner that makes no call keeps what it holds, within its budget). A
     * front end whose caches are taken through an owner word (per CPU) takes
     * each as {@link #drain()} does and gives back half of each list that
     * missed no block since the last call, or everything with {@code all}.
     * The default does nothing (no caches).
     *
     * @param all whether the memory is over its soft limit, and everything reachable goes back
     */
    default void scavenge(boolean all) {
    }

    /**
     * Makes every cache forget its blocks without touching them (their memory
     * is about to go back to the OS), so that a later call finds its cache
     * empty and goes to the central cache, which refuses. For {@code close()}.
     * A call racing it may still pop or push a block it held: the page heap
     * keeps that memory mapped ({@link PageHeap#close()}), and the next pop
     * fails the range check.
     */
    void forgetAll();

    /**
     * The error of a free that finds the block at the head of its list already.
     *
     * @param block the block's address
     * @param sizeClass the block's size class
     * @return the error to throw
     */
    static IllegalArgumentException doubleFree(long block, int sizeClass) {
        return new IllegalArgumentException("double free of 0x" + Long.toHexString(block)
                + ": it is already the first free block of its list (size class " + sizeClass + ")");
    }

    /**
     * The error of a pop whose head {@code head} (not 0) lies outside the page
     * heap's range: the allocator is closed, or the list was damaged by a write
     * to a freed block.
     *
     * @param heap the page heap below
     * @param sizeClass the size class of the list
     * @param head the head popped
     * @return the error to throw
     */
    static RuntimeException damagedList(PageHeap heap, int sizeClass, long head) {
        if (heap.isClosed()) {
            return new IllegalStateException("rtmalloc: the allocator is closed");
        }
        return new IllegalStateException("rtmalloc: the free list of size class " + sizeClass
                + " is damaged: it links to 0x" + Long.toHexString(head) + ", outside the heap (a write to a"
                + " freed block?); the list is dropped");
    }

    /**
     * Blocks held in caches per class (index 0 unused), counted as well as can be without stopping threads.
     *
     * @return the blocks held in caches, indexed by class
     */
    long[] cachedBlocks();

    /**
     * Its caches' counters summed, or null when stats are off or the front end keeps none.
     *
     * @return the counters, or null
     */
    default CacheCounters counters() {
        return null;
    }

    /**
     * Figures particular to this front end, in report order.
     *
     * @return the figures, by name
     */
    default Map<String, Long> details() {
        return Map.of();
    }

    /**
     * Checks the invariants of the caches it can reach safely (the calling
     * thread's, every CPU's), throwing {@link IllegalStateException} at the
     * first one broken.
     */
    void checkInvariants();

    /**
     * One thread's cache held in hand: {@link FrontEnd#allocate} and
     * {@link FrontEnd#free} without the lookup. Used by its thread only.
     */
    interface Cache {
        /**
         * A block of class {@code sizeClass}.
         *
         * @param sizeClass the size class
         * @return the block's address
         */
        long allocate(int sizeClass);

        /**
         * Takes back a checked block of class {@code sizeClass}.
         *
         * @param sizeClass the size class of the block
         * @param block the block's address
         */
        void free(int sizeClass, long block);
    }
}
