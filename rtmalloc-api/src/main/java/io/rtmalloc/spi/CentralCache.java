package io.rtmalloc.spi;

import io.rtmalloc.SizeClasses;

/**
 * The middle tier: for each size class a transfer cache of blocks in front of
 * a central free list of spans. Front ends take and give back blocks here, one
 * at a time (the global front end) or in batches (the caching ones).
 *
 * <p>A batch is either an array of addresses ({@link #removeBatch},
 * {@link #insertBatch}: no block is touched on the way) or a chain of blocks
 * linked through their first 8-byte word ({@link FreeList}; {@link #removeRange},
 * {@link #insertRange}), for the caches that keep intrusive lists.
 *
 * <p>Implementations are thread-safe with one lock per size class; nothing here
 * is global across classes except the page heap below.
 */
public interface CentralCache {

    /**
     * The size classes served.
     *
     * @return the size classes served
     */
    SizeClasses sizeClasses();

    /**
     * The page heap below.
     *
     * @return the page heap below
     */
    PageHeap pageHeap();

    /**
     * Whether a platform thread that finds a lock of this tier held spins
     * before it parks ({@link TierLock#spinWhenHeld}): true by default, for
     * front ends that come here only on their slow paths; a front end that
     * comes here on every call (the global one) turns it off before any
     * allocation. Does nothing in a central cache without such locks.
     *
     * @param spin whether platform threads spin
     */
    default void spinWhenHeld(boolean spin) {
    }

    /**
     * One block of class {@code sizeClass}.
     *
     * @param sizeClass the size class
     * @return the block's address
     * @throws OutOfMemoryError if the page heap cannot grow
     */
    long allocate(int sizeClass);

    /**
     * Takes back one block of class {@code sizeClass}, after checking that the
     * address is a block boundary of a span of that class.
     *
     * @param sizeClass the size class of the block
     * @param address the block's address
     * @throws IllegalArgumentException for an address that is not, changing nothing
     */
    void free(int sizeClass, long address);

    /**
     * Removes {@code count} blocks ({@code 1 <= count}) and returns them as a
     * chain: each block's first word holds the next block's address, the last
     * one's holds 0.
     *
     * @param sizeClass the size class
     * @param count how many blocks
     * @return the address of the chain's first block
     * @throws OutOfMemoryError if the page heap cannot grow; then nothing was removed
     */
    long removeRange(int sizeClass, int count);

    /**
     * Takes back {@code count} blocks chained from {@code head} through their
     * first words; the word of the {@code count}-th block is not read.
     *
     * @param sizeClass the size class of the blocks
     * @param head the address of the chain's first block
     * @param count how many blocks the chain holds
     */
    void insertRange(int sizeClass, long head, int count);

    /**
     * Removes {@code count} blocks ({@code 1 <= count}) into
     * {@code dst[from .. from+count)}, touching none of them: the form of a
     * batch for caches that keep blocks in arrays.
     *
     * @param sizeClass the size class
     * @param dst the array that receives the blocks' addresses
     * @param from the first index of {@code dst} written
     * @param count how many blocks
     * @throws OutOfMemoryError if the page heap cannot grow; then nothing was removed
     */
    void removeBatch(int sizeClass, long[] dst, int from, int count);

    /**
     * Takes back the {@code count} blocks of {@code src[from .. from+count)},
     * blocks of this class a front end has validated, touching none of them
     * on the way to its transfer cache.
     *
     * @param sizeClass the size class of the blocks
     * @param src the array that holds the blocks' addresses
     * @param from the first index of {@code src} read
     * @param count how many blocks
     */
    void insertBatch(int sizeClass, long[] src, int from, int count);

    /**
     * Blocks of each class held here, counted at one moment per class.
     * Index 0 is unused; index {@code c} describes class {@code c}.
     *
     * @return the blocks held of each class, indexed by class
     */
    CentralClassStats[] classStats();

    /** Empties the transfer caches into the central free lists (returning empty spans to the page heap). */
    void drainTransferCaches();

    /**
     * For the background release: empties into the central free lists each
     * transfer cache that no front end used since the last call, so that spans
     * left empty go back to the page heap; with {@code all}, every transfer
     * cache (the memory is over its soft limit). The default does nothing.
     *
     * @param all whether every transfer cache is emptied, used or not
     */
    default void scavenge(boolean all) {
    }

    /** Checks every invariant of every class, throwing {@link IllegalStateException} on the first broken one. */
    void checkInvariants();

    /**
     * Forgets every block and span (without touching their memory) and refuses
     * every later call with {@link IllegalStateException}; the page heap below
     * is closed by the caller. Idempotent. For {@code Allocator.close()}: no
     * other call may be running.
     */
    void close();
}
