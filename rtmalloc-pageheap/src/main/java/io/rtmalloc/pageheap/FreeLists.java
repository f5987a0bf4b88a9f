package io.rtmalloc.pageheap;

import io.rtmalloc.spi.Span;

import java.util.Comparator;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The page heap's free spans: for each length up to {@code maxPages} a doubly
 * linked list of backed spans and one of released spans; longer spans in two
 * sets ordered by (length, address). Allocation takes the best fit among the
 * backed (touched) spans, else among the released (untouched) ones.
 *
 * <p>INVARIANT: a span is in exactly one list or set iff its state is FREE; its
 * {@code released} flag says which. Guarded by the page heap's lock.
 */
final class FreeLists {

    private static final Comparator<Span> BY_LENGTH_THEN_ADDRESS =
            Comparator.<Span>comparingLong(s -> s.pages).thenComparingLong(s -> s.start);

    private final int maxPages;
    private final int pageShift;
    private final Span[] backed;
    private final Span[] released;
    private final TreeSet<Span> largeBacked = new TreeSet<>(BY_LENGTH_THEN_ADDRESS);
    private final TreeSet<Span> largeReleased = new TreeSet<>(BY_LENGTH_THEN_ADDRESS);
    private final Span probe = new Span(Long.MIN_VALUE, 0);

    /** Bytes in backed free spans. */
    long backedBytes;
    /** Bytes in released free spans. */
    long releasedBytes;
    /** Number of free spans. */
    long spans;

    FreeLists(int maxPages, int pageShift) {
        this.maxPages = maxPages;
        this.pageShift = pageShift;
        this.backed = new Span[maxPages + 1];
        this.released = new Span[maxPages + 1];
    }

    void insert(Span s) {
        if (s.pages <= maxPages) {
            Span[] heads = s.released ? released : backed;
            int len = (int) s.pages;
            Span head = heads[len];
            s.prev = null;
            s.next = head;
            if (head != null) {
                head.prev = s;
            }
            heads[len] = s;
        } else {
            (s.released ? largeReleased : largeBacked).add(s);
        }
        account(s, +1);
    }

    void remove(Span s) {
        if (s.pages <= maxPages) {
            Span[] heads = s.released ? released : backed;
            if (s.prev != null) {
                s.prev.next = s.next;
            } else {
                heads[(int) s.pages] = s.next;
            }
            if (s.next != null) {
                s.next.prev = s.prev;
            }
            s.prev = null;
            s.next = null;
        } else if (!(s.released ? largeReleased : largeBacked).remove(s)) {
            throw new IllegalStateException("free span missing from its set: " + s);
        }
        account(s, -1);
    }

    private void account(Span s, int sign) {
        long bytes = s.pages << pageShift;
        if (s.released) {
            releasedBytes += sign * bytes;
        } else {
            backedBytes += sign * bytes;
        }
        spans += sign;
    }

    /**
     * The free span to take for {@code pages} pages, or null; it stays in the
     * lists: the smallest touched span that fits, else the smallest untouched
     * one. Touched first whatever their lengths, as jemalloc takes dirty
     * extents before clean ones: pages already resident are reused before
     * untouched ones are made resident (and fault), so the resident memory
     * grows only when no resident free span fits.
     */
    Span bestFit(long pages) {
        Span s = smallest(backed, largeBacked, pages);
        return s != null ? s : smallest(released, largeReleased, pages);
    }

    private Span smallest(Span[] lists, TreeSet<Span> large, long pages) {
        for (long len = pages; len <= maxPages; len++) {
            Span s = lists[(int) len];
            if (s != null) {
                return s;
            }
        }
        probe.pages = Math.max(pages, maxPages + 1L);
        return large.ceiling(probe);
    }

    /** Calls {@code action} on every backed free span; it may not change the lists. */
    void forEachBacked(Consumer<Span> action) {
        for (Span head : backed) {
            for (Span s = head; s != null; s = s.next) {
                action.accept(s);
            }
        }
        largeBacked.forEach(action);
    }

    /** Calls {@code action} on every free span, backed or released; it may not change the lists. */
    void forEach(Consumer<Span> action) {
        forEachBacked(action);
        for (Span head : released) {
            for (Span s = head; s != null; s = s.next) {
                action.accept(s);
            }
        }
        largeReleased.forEach(action);
    }
}
