package io.rtmalloc.pageheap;

import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.Span;

import java.util.Arrays;

/**
 * The page map of one reservation: for every page, by its index from the
 * reservation's base, the span recorded for it and its page word.
 *
 * <pre>
 *   page index:  | root index | leaf index (15 bits) |
 *   spans:       root[r] -> Span[2^15]      (Java heap, a leaf made on first use)
 *   words:       words + 8 * index -> long   (native, one flat array)
 *   page word:   | multiplier c (40 bits) | phase (16 bits) | size class (8 bits) |   0: no carved block starts here
 * </pre>
 *
 * <p>A page's word is 0 unless the page belongs to a SMALL span and every block
 * of it that starts in the page has been carved (handed out at least once);
 * its format, and the divisibility test the free fast path makes with it, are
 * described by {@link io.rtmalloc.spi.HeapIndex}, which reads the words. The
 * central free list sets them as it carves a span
 * ({@link MmapPageHeap#markCarved}); the page heap clears them when the span
 * comes back.
 *
 * <p>The words live in a native array of eight bytes per page of the whole
 * reservation, mapped {@code MAP_NORESERVE} by the page heap: only its pages
 * that describe mapped heap pages are ever touched, so it costs about eight
 * bytes of memory per page in use. The page heap's index reads it directly on
 * the free fast path; the span leaves are off that path.
 * With 8 KiB pages a leaf covers 256 MiB and, with compressed references, takes
 * 128 KiB of Java heap.
 *
 * <p>Lookups take no lock and never fail for an index below {@link #pages()}:
 * leaves are zero-initialised arrays published by a plain store (a reader sees
 * null or the leaf), and entries are written under the page heap's lock before
 * the blocks they describe are handed out. Callers check that an index lies in
 * the mapped part of the reservation.
 */
final class PageMap {

    static final int LEAF_BITS = 15;
    private static final int LEAF_SIZE = 1 << LEAF_BITS;
    private static final long LEAF_MASK = LEAF_SIZE - 1;

    private final long base;
    private final int shift;
    private final long pages;
    private final long words;
    private final Span[][] root;
    private int leaves;

    /**
     * @param base     the reservation's first byte, a multiple of the page size
     * @param pages    pages in the reservation
     * @param shift    log2 of the page size
     * @param words    a native array of {@code pages} zero longs
     */
    PageMap(long base, long pages, int shift, long words) {
        this.base = base;
        this.shift = shift;
        this.pages = pages;
        this.words = words;
        long rootLength = (pages + LEAF_SIZE - 1) >>> LEAF_BITS;
        if (rootLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("reservation too large for the page map: " + pages + " pages");
        }
        this.root = new Span[(int) rootLength][];
    }

    /** Pages the map covers: the whole reservation. */
    long pages() {
        return pages;
    }

    /** The page index of {@code address}, an address of the reservation. */
    long index(long address) {
        return (address - base) >>> shift;
    }

    /** The span recorded for page {@code index} ({@code < pages()}), or null. Takes no lock. */
    Span span(long index) {
        Span[] leaf = root[(int) (index >>> LEAF_BITS)];
        return leaf == null ? null : leaf[(int) (index & LEAF_MASK)];
    }

    /** The word of page {@code index} ({@code < pages()}), 0 when no carved block starts there. Takes no lock. */
    long word(long index) {
        return NativeMemory.getLong(words + (index << 3));
    }

    /** The size class of page {@code index}'s word ({@code < pages()}), 0 when none. Takes no lock. */
    int sizeClass(long index) {
        return (int) word(index) & 0xff;
    }

    /**
     * Sets the word of page {@code index} of a SMALL span: its pages' owner (the
     * central free list of its class) holds its lock.
     */
    void setWord(long index, long word) {
        if (index < 0 || index >= pages) {
            throw new IllegalStateException("page " + index + " outside the page map of " + pages + " pages");
        }
        NativeMemory.putLong(words + (index << 3), word);
    }

    /**
     * Records {@code span} for {@code count} pages from page {@code index}, and
     * clears their words. Caller holds the heap lock.
     */
    void set(long index, long count, Span span) {
        if (index < 0 || count < 0 || index + count > pages) {
            throw new IllegalStateException("pages [" + index + ", " + (index + count) + ") outside the page map of "
                    + pages + " pages");
        }
        if (count == 1) {
            NativeMemory.putLong(words + (index << 3), 0);
        } else {
            NativeMemory.fill(words + (index << 3), count << 3, (byte) 0);
        }
        long end = index + count;
        while (index < end) {
            Span[] leaf = leaf(index);
            int from = (int) (index & LEAF_MASK);
            int to = (int) Math.min(LEAF_SIZE, from + (end - index));
            Arrays.fill(leaf, from, to, span);
            index += to - from;
        }
    }

    /** Records a span for its first and last pages only (free and large spans), their words 0. */
    void setEnds(Span span) {
        long first = index(span.start);
        set(first, 1, span);
        if (span.pages > 1) {
            set(first + span.pages - 1, 1, span);
        }
    }

    /** Records a span on every page (small spans, and small spans that come back), every word 0. */
    void setAll(Span span) {
        set(index(span.start), span.pages, span);
    }

    private Span[] leaf(long index) {
        int r = (int) (index >>> LEAF_BITS);
        Span[] leaf = root[r];
        if (leaf == null) {
            leaf = new Span[LEAF_SIZE];
            root[r] = leaf;
            leaves++;
        }
        return leaf;
    }

    /**
     * Forgets every span: afterwards every span lookup answers null. The words
     * are the page heap's to dispose of. Caller holds the heap lock.
     */
    void clearSpans() {
        Arrays.fill(root, null);
        leaves = 0;
    }

    /**
     * An estimate of the memory this map uses: the Java heap of the span leaves
     * (4-byte compressed references) and the words of the first
     * {@code mappedPages} pages, in whole 4 KiB pages of the OS.
     */
    long metadataBytes(long mappedPages) {
        long spans = 16L + 4L * root.length + (long) leaves * (16L + 4L * LEAF_SIZE);
        long classes = (8 * mappedPages + 4095) & -4096L;
        return spans + classes;
    }
}
