package io.rtmalloc.spi;

/**
 * The intrusive free list, the one place its layout is written down and
 * walked: free blocks of one size class linked through their first 8-byte
 * word, which holds the address of the next block, 0 after the last.
 *
 * <pre>
 *   head -> [next | ...] -> [next | ...] -> ... -> [0 | ...]
 * </pre>
 *
 * <p>A list is a {@code long} head (0 when empty) that its owner keeps where
 * its fast path wants it (a thread cache keeps one per class in an array),
 * so this class has static methods only: a list object would cost the fast
 * path one more dependent load. A <em>chain</em> is a run of {@code count}
 * linked blocks handed between tiers ({@link CentralCache#removeRange},
 * {@link CentralCache#insertRange}); its length travels with it, and the
 * last block's word need not be 0.
 *
 * <p>Links live in freed memory that a buggy program may still write, so a
 * list's owner follows a link only after checking the block it leads to
 * against the heap's range ({@link HeapIndex#contains}, which also tells the
 * empty list, 0, from a damaged link): {@link #nth} and {@link #copy} check
 * every block before they read its word. {@link #next} and {@link #push}
 * check nothing; their callers hold blocks they checked or handed out.
 *
 * <p>Caches that keep blocks in Java arrays (the per-CPU caches, the transfer
 * caches) touch no block and have no list; they meet this layout only where
 * they take or give a chain.
 */
public final class FreeList {

    private FreeList() {
    }

    /**
     * The block linked after {@code block}: its first word.
     *
     * @param block a block of the list
     * @return the next block's address, 0 after the last
     */
    public static long next(long block) {
        return NativeMemory.getLong(block);
    }

    /**
     * Links {@code next} after {@code block}.
     *
     * @param block the block whose first word is written
     * @param next  the block to follow it, or 0 when {@code block} ends the list
     */
    public static void link(long block, long next) {
        NativeMemory.putLong(block, next);
    }

    /**
     * Puts {@code block} in front of the list at {@code head}.
     *
     * @param head  the list's head, 0 when it is empty
     * @param block the block pushed
     * @return the new head, {@code block}
     */
    public static long push(long head, long block) {
        NativeMemory.putLong(block, head);
        return block;
    }

    /**
     * The {@code n}-th block ({@code n >= 1}) of the chain from {@code first},
     * every block on the way checked against the heap's range before its
     * word is read; 0 when one is outside it (a damaged link, or a chain
     * shorter than {@code n}), and then {@link #firstOutside} names it.
     *
     * @param first the chain's first block (0: an empty list)
     * @param n     which block, counting {@code first} as 1
     * @param index the heap's range
     * @return the {@code n}-th block, or 0
     */
    public static long nth(long first, int n, HeapIndex index) {
        long block = first;
        for (int i = 1; index.contains(block); i++) {
            if (i == n) {
                return block;
            }
            block = next(block);
        }
        return 0;
    }

    /**
     * The first address that the walk of {@link #nth} over the same chain met
     * outside the heap: for the error after {@link #nth} answered 0. Reads
     * only words of blocks inside the heap. Answers 0 for a list that ends
     * (links to 0) before its {@code n}-th block, and when it now finds none
     * (another write changed the chain meanwhile).
     *
     * @param first the chain's first block
     * @param n     the blocks the walk was to cover
     * @param index the heap's range
     * @return the first address met outside the heap, or 0
     */
    public static long firstOutside(long first, int n, HeapIndex index) {
        long block = first;
        for (int i = 1; i <= n; i++) {
            if (!index.contains(block)) {
                return block;
            }
            if (i < n) {
                block = next(block);
            }
        }
        return 0;
    }

    /**
     * Unlinks the {@code n} blocks ({@code n >= 1}) that follow {@code block},
     * linking {@code block} to the block after them, and answers the first of
     * them, the head of a chain of {@code n}; 0 when the walk met a block
     * outside the heap ({@link #nth}), and then nothing was changed.
     * {@code block} must be inside the heap.
     *
     * @param block the block that stays, linked past the chain cut out
     * @param n     the blocks to cut out after it
     * @param index the heap's range
     * @return the first block cut out, or 0
     */
    public static long cutAfter(long block, int n, HeapIndex index) {
        long first = next(block);
        long last = nth(first, n, index);
        if (last == 0) {
            return 0;
        }
        link(block, next(last));
        return first;
    }

    /**
     * Copies up to {@code count} blocks of the chain from {@code head} into
     * {@code dst[from ..)}, each checked against the heap's range before its
     * word is read, and answers how many it copied: fewer than {@code count}
     * when it met a block outside the heap, which is then not copied. Reads
     * the word of none but the first {@code count - 1} blocks.
     *
     * @param head  the chain's first block
     * @param count the blocks to copy at most
     * @param dst   the array copied into
     * @param from  where in {@code dst} the first goes
     * @param index the heap's range
     * @return the blocks copied
     */
    public static int copy(long head, int count, long[] dst, int from, HeapIndex index) {
        long block = head;
        for (int i = 0; i < count; i++) {
            if (!index.contains(block)) {
                return i;
            }
            dst[from + i] = block;
            if (i + 1 < count) {
                block = next(block);
            }
        }
        return count;
    }

    /**
     * Pushes {@code src[from .. from+count)} in order onto the list at
     * {@code head} (0: a new chain), so that {@code src[from]} links to
     * {@code head} and the last of them is the new head, which it answers
     * ({@code head} itself when {@code count} is 0). The blocks are the
     * caller's, handed out or held free by it.
     *
     * @param head  the list's head, 0 for a new chain
     * @param src   the blocks
     * @param from  the first of them in {@code src}
     * @param count how many
     * @return the new head
     */
    public static long pushAll(long head, long[] src, int from, int count) {
        for (int i = from; i < from + count; i++) {
            head = push(head, src[i]);
        }
        return head;
    }

    /**
     * The error of a chain handed between tiers with a link outside the heap
     * at {@code position}: what came before that link was taken, the rest is
     * lost.
     *
     * @param sizeClass the chain's size class
     * @param count     the blocks the chain was to have
     * @param position  how many came before the link
     * @param link      the address outside the heap
     * @return the exception to throw
     */
    public static IllegalArgumentException brokenChain(int sizeClass, int count, int position, long link) {
        return new IllegalArgumentException("a chain of " + count + " blocks of size class " + sizeClass
                + " given back has a link to 0x" + Long.toHexString(link) + " at position " + position
                + ", outside the heap; the rest of the chain is lost (a write to a freed block?)");
    }
}
