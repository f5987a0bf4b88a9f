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
    /** Bit {@code len} set iff {@code backed[len]} (resp. {@code released[len]}) is not empty: best fit in a few words. */
    private final long[] backedBits;
    private final long[] releasedBits;
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
        this.backedBits = new long[(maxPages >>> 6) + 1];
        this.releasedBits = new long[(maxPages >>> 6) + 1];
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
            } else {
                long[] bits = s.released ? releasedBits : backedBits;
                bits[len >>> 6] |= 1L << len;
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
                int len = (int) s.pages;
                heads[len] = s.next;
                if (s.next == null) {
                    long[] bits = s.released ? releasedBits : backedBits;
                    bits[len >>> 6] &= ~(1L << len);
                }
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
        Span s = smallest(backed, backedBits, largeBacked, pages);
        return s != null ? s : smallest(released, releasedBits, largeReleased, pages);
    }

    private Span smallest(Span[] lists, long[] bits, TreeSet<Span> large, long pages) {
        if (pages <= maxPages) {
            int from = (int) pages;
            for (int w = from >>> 6; w < bits.length; w++) {
                long word = bits[w] & (w == from >>> 6 ? -1L << from : -1L);
                if (word != 0) {
                    return lists[(w << 6) + Long.numberOfTrailingZeros(word)];
                }
            }
        }
        probe.pages = Math.max(pages, maxPages + 1L);
        return large.ceiling(probe);
    }

    /** Checks that a length's bit is set iff its list is not empty; throws {@link IllegalStateException}. */
    void checkBits() {
        for (int len = 0; len <= maxPages; len++) {
            for (int kind = 0; kind < 2; kind++) {
                Span[] lists = kind == 0 ? backed : released;
                long[] bits = kind == 0 ? backedBits : releasedBits;
                boolean set = (bits[len >>> 6] & (1L << len)) != 0;
                if (set != (lists[len] != null)) {
                    throw new IllegalStateException("free list bitmap: length " + len + (kind == 0 ? " backed" : " released")
                            + " bit " + set + " but the list is " + (lists[len] == null ? "empty" : "not empty"));
                }
            }
        }
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
