package io.rtmalloc.central;

import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.FreeList;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.Span;

import java.util.Set;

/**
 * The spans of one size class and the free blocks inside them.
 *
 * <p>A span is carved lazily, a page at a time: blocks below {@code span.carved}
 * have been carved, and the free ones among them are bits of
 * {@code span.freeBits}, a bitmap on the Java heap; blocks from {@code carved}
 * up were never handed out. No block is read or written to carve, take or
 * give it (a block coming back from another thread, or freed long ago, is
 * cold in the CPU's cache), so a new span costs no page faults until its
 * blocks are used by the application.
 * When the list is empty, {@link #carvePage} carves every block that starts in
 * the next page at once and tells the page heap ({@link PageHeap#markCarved}),
 * so that the free fast path ({@link HeapIndex#blockClassOf}) accepts exactly
 * the boundaries of carved blocks: a free of a block that was never handed out
 * is refused before it can reach a cache and be handed out twice.
 *
 * <p>MISUSE: a block given back whose bit is set already is a double free,
 * refused exactly, wherever the first copy went; a write to a freed block
 * cannot reach the bitmaps.
 *
 * <p>SYNCHRONIZATION: guarded by the lock of its {@link TransferCache}, through
 * which every operation on the class comes: every method but
 * {@link #checkBlock} is called with that lock held, and the spans it owns
 * (state SMALL, its class) are touched only under it. (Its own tests call it
 * from one thread.)
 *
 * <p>INVARIANTS: a span is in {@code nonEmpty} iff it has an available block
 * (free or uncarved); for every span,
 * {@code allocated + freeCount + (objects - carved) == objects}, {@code freeCount}
 * is the number of bits set, each below {@code carved}, none in a word below
 * {@code scan};
 * {@code handedOut} is the sum of {@code allocated} over all spans of the class;
 * a span whose {@code allocated} drops to 0 goes back to the page heap.
 */
final class CentralFreeList {

    private final int sizeClass;
    private final long size;
    private final int objects;
    private final long pages;
    private final PageHeap heap;
    private final HeapIndex index;
    /** {@code ceil(2^64 / size)}: {@code off} (below 2^32) is a multiple of {@code size} iff {@code off * magic <=u magic - 1}. */
    private final long magic;

    /** Spans with an available block, doubly linked through {@code prev}/{@code next}. */
    private Span nonEmpty;
    private long spans;
    private long handedOut;

    CentralFreeList(int sizeClass, int size, int pages, int objects, PageHeap heap) {
        this.sizeClass = sizeClass;
        this.size = size;
        this.pages = pages;
        this.objects = objects;
        this.heap = heap;
        this.index = heap.index();
        this.magic = Long.divideUnsigned(-1L, size) + 1;
    }

    /** One block. */
    long removeOne() {
        return take();
    }

    /** Fills {@code dst[from .. from+count)} with blocks; on an error, takes back what it took. */
    void removeInto(long[] dst, int from, int count) {
        int i = 0;
        try {
            for (; i < count; i++) {
                dst[from + i] = take();
            }
        } catch (OutOfMemoryError | IllegalStateException e) {
            for (int j = 0; j < i; j++) {
                give(dst[from + j]);
            }
            throw e;
        }
    }

    /** {@code count} blocks as a chain ({@link FreeList}), the last linked to 0. */
    long removeChain(int count) {
        long head = 0;
        int taken = 0;
        try {
            for (; taken < count; taken++) {
                head = FreeList.push(head, take());
            }
            return head;
        } catch (OutOfMemoryError | IllegalStateException e) {
            // Gives the blocks taken back. After a double free the lists may hold a block twice,
            // and giving back the first copy rewrites the link the second one carries (to 0, say):
            // every link is checked against the heap before it is read, and the walk stops at a
            // bad one or at a block refused as freed twice (those blocks are lost, not followed).
            while (taken-- > 0 && index.contains(head)) {
                long next = FreeList.next(head);
                try {
                    give(head);
                } catch (IllegalArgumentException twice) {
                    break;
                }
                head = next;
            }
            throw e;
        }
    }

    /** Takes back one block. */
    void insertOne(long block) {
        give(block);
    }

    /**
     * Takes back {@code src[from .. from+count)}. A block that is not one of this
     * class's is skipped (the others are all taken) and reported afterwards.
     */
    void insertFrom(long[] src, int from, int count) {
        IllegalArgumentException bad = null;
        for (int i = 0; i < count; i++) {
            try {
                give(src[from + i]);
            } catch (IllegalArgumentException e) {
                bad = bad == null ? e : bad;
            }
        }
        if (bad != null) {
            throw bad;
        }
    }

    /**
     * Takes back {@code count} blocks chained from {@code head}; bad blocks as in
     * {@link #insertFrom}. A link outside the heap ends the chain there (what
     * follows it is lost) and is reported.
     */
    void insertChain(long head, int count) {
        IllegalArgumentException bad = null;
        for (int i = 0; i < count; i++) {
            if (!index.contains(head)) {
                throw FreeList.brokenChain(sizeClass, count, i, head);
            }
            long next = i + 1 < count ? FreeList.next(head) : 0;
            try {
                give(head);
            } catch (IllegalArgumentException e) {
                bad = bad == null ? e : bad;
            }
            head = next;
        }
        if (bad != null) {
            throw bad;
        }
    }

    private long take() {
        Span span = nonEmpty;
        if (span == null) {
            span = newSpan();
        }
        long block;
        if (span.freeCount > 0) {
            block = span.start + takeBit(span) * size;
            span.freeCount--;
        } else {
            block = carvePage(span);
        }
        span.allocated++;
        handedOut++;
        if (span.freeCount == 0 && span.carved == objects) {
            unlink(span);
        }
        return block;
    }

    /** Clears the lowest bit set in the span's bitmap (it has one) and answers its index. */
    private static long takeBit(Span span) {
        long[] bits = span.freeBits;
        int w = span.scan;
        while (bits[w] == 0) {
            w++;
        }
        span.scan = w;
        long word = bits[w];
        bits[w] = word & (word - 1);
        return ((long) w << 6) + Long.numberOfTrailingZeros(word);
    }

    /**
     * Carves every block of {@code span} (no free bit left) that starts in the
     * page of its next uncarved block: returns the first, sets the bits of the
     * others, and marks the page carved.
     */
    private long carvePage(Span span) {
        int shift = heap.pageShift();
        int first = span.carved;
        long page = (first * size) >>> shift;
        // Blocks whose offset is below the page's end: ceil(((page + 1) << shift) / size).
        int end = (int) Math.min(objects, (((page + 1) << shift) + size - 1) / size);
        long[] bits = span.freeBits;
        for (int i = first + 1; i < end; i++) {
            bits[i >>> 6] |= 1L << i;
        }
        if (end > first + 1) {
            span.freeCount += end - first - 1;
            span.scan = Math.min(span.scan, (first + 1) >>> 6);
        }
        span.carved = end;
        heap.markCarved(span, page, (int) size);
        return span.start + first * size;
    }

    /** Whether {@code address} is the first byte of a carved block of {@code span} (of this class). */
    private boolean isCarvedBlock(Span span, long address) {
        long off = address - span.start;
        return Long.compareUnsigned(off, (long) span.carved * size) < 0
                && Long.compareUnsigned(off * magic, magic - 1) <= 0;
    }

    private void give(long block) {
        Span span = heap.spanOf(block);
        if (span == null || span.state != Span.SMALL || span.sizeClass != sizeClass
                || !span.contains(block, heap.pageShift()) || !isCarvedBlock(span, block)) {
            throw new IllegalArgumentException("0x" + Long.toHexString(block)
                    + " is not a block of size class " + sizeClass + " (span " + span + ")");
        }
        // The block's index: off is a multiple of size below 2^32, so off * ceil(2^64 / size) >> 64 is exact.
        long i = Math.unsignedMultiplyHigh(block - span.start, magic);
        int w = (int) (i >>> 6);
        long bit = 1L << i;
        long[] bits = span.freeBits;
        if ((bits[w] & bit) != 0) {
            throw new IllegalArgumentException("double free of 0x" + Long.toHexString(block)
                    + ": it is free already in its span (size class " + sizeClass + ")");
        }
        boolean wasFull = span.freeCount == 0 && span.carved == objects;
        bits[w] |= bit;
        span.freeCount++;
        if (w < span.scan) {
            span.scan = w;
        }
        span.allocated--;
        handedOut--;
        if (span.allocated == 0) {
            if (!wasFull) {
                unlink(span);
            }
            spans--;
            heap.free(span);
        } else if (wasFull) {
            link(span);
        }
    }

    /**
     * Checks, without the lock, that {@code block} is a carved block of a
     * span of this class: the validation of a single free that goes straight
     * to the central tier (the global front end, virtual threads), so that an
     * interior, foreign or never-carved address is refused before the transfer
     * cache can hand it out again. (The span's carve count only grows while it
     * is SMALL; a racy read of it can only refuse more.)
     */
    void checkBlock(long block) {
        Span span = heap.spanOf(block);
        if (span == null && heap.isClosed()) {
            throw new IllegalStateException("rtmalloc: the allocator is closed"); // a free racing close()
        }
        if (span == null || span.state != Span.SMALL || span.sizeClass != sizeClass
                || !span.contains(block, heap.pageShift()) || !isCarvedBlock(span, block)) {
            throw new IllegalArgumentException("0x" + Long.toHexString(block)
                    + " is not a block of size class " + sizeClass + " (span " + span + ")");
        }
    }

    /** The page heap's range (see {@link HeapIndex#contains}). */
    HeapIndex index() {
        return index;
    }

    /** The size class of these blocks. */
    int sizeClass() {
        return sizeClass;
    }

    private Span newSpan() {
        Span span = heap.allocate(pages, sizeClass);
        span.freeBits = new long[(objects + 63) >>> 6];
        spans++;
        link(span);
        return span;
    }

    private void link(Span span) {
        span.prev = null;
        span.next = nonEmpty;
        if (nonEmpty != null) {
            nonEmpty.prev = span;
        }
        nonEmpty = span;
    }

    private void unlink(Span span) {
        if (span.prev != null) {
            span.prev.next = span.next;
        } else {
            nonEmpty = span.next;
        }
        if (span.next != null) {
            span.next.prev = span.prev;
        }
        span.prev = null;
        span.next = null;
    }

    long spans() {
        return spans;
    }

    long handedOut() {
        return handedOut;
    }

    /**
     * Checks this list's invariants; adds every free block it holds to {@code seen},
     * failing on a block seen twice.
     */
    void checkInvariants(Set<Long> seen) {
        long available = 0;
        long listed = 0;
        for (Span s = nonEmpty; s != null; s = s.next) {
            check(++listed <= spans, "more spans listed than counted (" + spans + "), or a cycle");
            check(s.state == Span.SMALL && s.sizeClass == sizeClass, "foreign span listed: " + s);
            check(heap.spanOf(s.start) == s, "listed span not in the page map: " + s);
            check(s.prev == null ? s == nonEmpty : s.prev.next == s, "broken back link at " + s);
            long freeBlocks = 0;
            long[] bits = s.freeBits;
            check(bits != null && bits.length == (objects + 63) >>> 6, "bitmap of " + s + " missing or mis-sized");
            for (int w = 0; w < bits.length; w++) {
                check(w >= s.scan || bits[w] == 0, "bits below the scan index " + s.scan + " in " + s);
                for (long word = bits[w]; word != 0; word &= word - 1) {
                    long i = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                    check(i < s.carved, "free bit " + i + " of " + s + " not carved (" + s.carved + ")");
                    long b = s.start + i * size;
                    check(seen.add(b), "block 0x" + Long.toHexString(b) + " free twice");
                    freeBlocks++;
                }
            }
            check(freeBlocks == s.freeCount, "free count of " + s + ": " + s.freeCount + ", bits " + freeBlocks);
            checkCarvedPages(s);
            check(s.allocated + freeBlocks + (objects - s.carved) == objects,
                    "block counts of " + s + " do not add up: free " + freeBlocks + ", carved " + s.carved);
            check(s.allocated > 0, "empty span kept: " + s);
            check(freeBlocks > 0 || s.carved < objects, "full span in the non-empty list: " + s);
            available += objects - s.allocated;
        }
        check(available == spans * objects - handedOut, "class " + sizeClass + ": " + available
                + " blocks available in listed spans, counters say " + (spans * objects - handedOut));
    }

    /**
     * Checks that the page heap accepts a block boundary of {@code s} on the
     * free fast path exactly when the block is carved: a page's word carries
     * the class iff a block starts in it and every block starting in it is
     * carved ({@link #carvePage}).
     */
    private void checkCarvedPages(Span s) {
        int shift = heap.pageShift();
        for (long p = 0; p < s.pages; p++) {
            long pageStart = p << shift;
            long firstBlock = (pageStart + size - 1) / size; // the first block starting at or after the page
            boolean starts = firstBlock < objects && firstBlock * size < pageStart + (1L << shift);
            long endBlock = Math.min(objects, (pageStart + (1L << shift) + size - 1) / size);
            boolean carved = starts && endBlock <= s.carved;
            int word = index.sizeClassOf(s.start + pageStart);
            check(word == (carved ? sizeClass : 0), "page " + p + " of " + s + " has class " + word + " in the page"
                    + " map, but its blocks are " + (carved ? "" : "not ") + "all carved (" + s.carved + " carved)");
            if (starts && !carved) {
                // (A carved block may still be refused: blocks above 64 KiB take the span-based check.)
                long b = s.start + firstBlock * size;
                check(index.blockClassOf(b) == 0, "the free fast path accepts block 0x" + Long.toHexString(b)
                        + " of " + s + ", never carved");
            }
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("central invariant broken: " + what);
        }
    }
}
