package io.rtmalloc.central;

import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.Span;

import java.util.Set;

/**
 * The spans of one size class and the free blocks inside them.
 *
 * <p>A span is carved lazily: blocks below {@code span.carved} have been handed
 * out at least once, and the free ones among them are chained through their
 * first word from {@code span.freeList}; blocks from {@code carved} up were
 * never touched, so a new span costs no page faults until its blocks are used.
 *
 * <p>SYNCHRONIZATION: every method holds this list's monitor; the spans it
 * owns (state SMALL, its class) are touched only under it.
 *
 * <p>INVARIANTS: a span is in {@code nonEmpty} iff it has an available block
 * (free or uncarved); for every span,
 * {@code allocated + |freeList| + (objects - carved) == objects};
 * {@code handedOut} is the sum of {@code allocated} over all spans of the class;
 * a span whose {@code allocated} drops to 0 goes back to the page heap.
 */
final class CentralFreeList {

    private final int sizeClass;
    private final long size;
    private final int objects;
    private final long pages;
    private final PageHeap heap;

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
    }

    /** One block. */
    synchronized long removeOne() {
        return take();
    }

    /** Fills {@code dst[from .. from+count)} with blocks; on OutOfMemoryError, takes back what it took. */
    synchronized void removeInto(long[] dst, int from, int count) {
        int i = 0;
        try {
            for (; i < count; i++) {
                dst[from + i] = take();
            }
        } catch (OutOfMemoryError e) {
            for (int j = 0; j < i; j++) {
                give(dst[from + j]);
            }
            throw e;
        }
    }

    /** {@code count} blocks chained through their first words, the last word 0. */
    synchronized long removeChain(int count) {
        long head = 0;
        int taken = 0;
        try {
            for (; taken < count; taken++) {
                long block = take();
                NativeMemory.putLong(block, head);
                head = block;
            }
            return head;
        } catch (OutOfMemoryError e) {
            while (taken-- > 0) {
                long next = NativeMemory.getLong(head);
                give(head);
                head = next;
            }
            throw e;
        }
    }

    /** Takes back one block. */
    synchronized void insertOne(long block) {
        give(block);
    }

    /**
     * Takes back {@code src[from .. from+count)}. A block that is not one of this
     * class's is skipped (the others are all taken) and reported afterwards.
     */
    synchronized void insertFrom(long[] src, int from, int count) {
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

    /** Takes back {@code count} blocks chained from {@code head}; bad blocks as in {@link #insertFrom}. */
    synchronized void insertChain(long head, int count) {
        IllegalArgumentException bad = null;
        for (int i = 0; i < count; i++) {
            long next = i + 1 < count ? NativeMemory.getLong(head) : 0;
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
        if (span.freeList != 0) {
            block = span.freeList;
            span.freeList = NativeMemory.getLong(block);
        } else {
            block = span.start + span.carved * size;
            span.carved++;
        }
        span.allocated++;
        handedOut++;
        if (span.freeList == 0 && span.carved == objects) {
            unlink(span);
        }
        return block;
    }

    private void give(long block) {
        Span span = heap.spanOf(block);
        if (span == null || span.state != Span.SMALL || span.sizeClass != sizeClass
                || !span.contains(block, heap.pageShift()) || (block - span.start) % size != 0
                || (block - span.start) / size >= span.carved) {
            throw new IllegalArgumentException("0x" + Long.toHexString(block)
                    + " is not a block of size class " + sizeClass + " (span " + span + ")");
        }
        boolean wasFull = span.freeList == 0 && span.carved == objects;
        NativeMemory.putLong(block, span.freeList);
        span.freeList = block;
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
     * Checks, without the lock, that {@code block} is a block boundary of a
     * span of this class: the validation of a single free that goes straight
     * to the central tier (the global front end, virtual threads), so that an
     * interior or foreign address is refused before the transfer cache can
     * hand it out again. Whether the block was ever carved is checked when it
     * reaches its span.
     */
    void checkBlock(long block) {
        Span span = heap.spanOf(block);
        if (span == null || span.state != Span.SMALL || span.sizeClass != sizeClass
                || !span.contains(block, heap.pageShift()) || (block - span.start) % size != 0) {
            throw new IllegalArgumentException("0x" + Long.toHexString(block)
                    + " is not a block of size class " + sizeClass + " (span " + span + ")");
        }
    }

    private Span newSpan() {
        Span span = heap.allocate(pages, sizeClass);
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

    synchronized long spans() {
        return spans;
    }

    synchronized long handedOut() {
        return handedOut;
    }

    /**
     * Checks this list's invariants; adds every free block it holds to {@code seen},
     * failing on a block seen twice.
     */
    synchronized void checkInvariants(Set<Long> seen) {
        long available = 0;
        long listed = 0;
        for (Span s = nonEmpty; s != null; s = s.next) {
            check(++listed <= spans, "more spans listed than counted (" + spans + "), or a cycle");
            check(s.state == Span.SMALL && s.sizeClass == sizeClass, "foreign span listed: " + s);
            check(heap.spanOf(s.start) == s, "listed span not in the page map: " + s);
            check(s.prev == null ? s == nonEmpty : s.prev.next == s, "broken back link at " + s);
            long freeBlocks = 0;
            for (long b = s.freeList; b != 0; b = NativeMemory.getLong(b)) {
                check(s.contains(b, heap.pageShift()) && (b - s.start) % size == 0
                        && (b - s.start) / size < s.carved, "free block 0x" + Long.toHexString(b) + " outside " + s);
                check(seen.add(b), "block 0x" + Long.toHexString(b) + " free twice");
                check(++freeBlocks <= objects, "free list of " + s + " has a cycle");
            }
            check(s.allocated + freeBlocks + (objects - s.carved) == objects,
                    "block counts of " + s + " do not add up: free " + freeBlocks + ", carved " + s.carved);
            check(s.allocated > 0, "empty span kept: " + s);
            check(freeBlocks > 0 || s.carved < objects, "full span in the non-empty list: " + s);
            available += objects - s.allocated;
        }
        check(available == spans * objects - handedOut, "class " + sizeClass + ": " + available
                + " blocks available in listed spans, counters say " + (spans * objects - handedOut));
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("central invariant broken: " + what);
        }
    }
}
