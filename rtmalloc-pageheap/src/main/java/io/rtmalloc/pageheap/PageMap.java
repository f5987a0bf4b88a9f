package io.rtmalloc.pageheap;

import io.rtmalloc.spi.Span;

import java.util.Arrays;

/**
 * A two-level radix tree from page number to span and size class, covering the
 * 48-bit address space.
 *
 * <pre>
 *   address:  | root index (48 - shift - 18 bits) | leaf index (18 bits) | offset (shift bits) |
 *   root[r] -> Leaf { Span[2^18] spans; byte[2^18] classes }
 * </pre>
 *
 * <p>With 8 KiB pages the root has 2^17 slots and a leaf covers 2 GiB; leaves are
 * made on first use. Lookups take no lock: leaves are published through their
 * final fields, and entries are written under the page heap's lock before the
 * blocks they describe are handed out.
 */
final class PageMap {

    static final int ADDRESS_BITS = 48;
    static final int LEAF_BITS = 18;
    private static final int LEAF_SIZE = 1 << LEAF_BITS;
    private static final long LEAF_MASK = LEAF_SIZE - 1;

    /** One leaf of the tree. */
    private static final class Leaf {
        final Span[] spans = new Span[LEAF_SIZE];
        final byte[] classes = new byte[LEAF_SIZE];
    }

    private final int shift;
    private final Leaf[] root;
    private int leaves;

    PageMap(int pageShift) {
        this.shift = pageShift;
        int rootBits = Math.max(0, ADDRESS_BITS - pageShift - LEAF_BITS);
        this.root = new Leaf[1 << rootBits];
    }

    /** Whether {@code address} lies in the range this map covers. */
    static boolean covers(long address) {
        return address >= 0 && (address >>> ADDRESS_BITS) == 0;
    }

    /** The span recorded for {@code address}'s page, or null. */
    Span get(long address) {
        if ((address >>> ADDRESS_BITS) != 0) {
            return null; // negative or beyond 48 bits
        }
        long page = address >>> shift;
        Leaf leaf = root[(int) (page >>> LEAF_BITS)];
        return leaf == null ? null : leaf.spans[(int) (page & LEAF_MASK)];
    }

    /** The size class recorded for {@code address}'s page, 0 when none. */
    int sizeClass(long address) {
        if ((address >>> ADDRESS_BITS) != 0) {
            return 0;
        }
        long page = address >>> shift;
        Leaf leaf = root[(int) (page >>> LEAF_BITS)];
        return leaf == null ? 0 : leaf.classes[(int) (page & LEAF_MASK)];
    }

    /** Records {@code span} and {@code sizeClass} for {@code count} pages from {@code page}. Caller holds the heap lock. */
    void set(long page, long count, Span span, int sizeClass) {
        long end = page + count;
        while (page < end) {
            Leaf leaf = leaf(page);
            int from = (int) (page & LEAF_MASK);
            int to = (int) Math.min(LEAF_SIZE, from + (end - page));
            for (int i = from; i < to; i++) {
                leaf.spans[i] = span;
                leaf.classes[i] = (byte) sizeClass;
            }
            page += to - from;
        }
    }

    /** Records a span for its first and last pages only (free and large spans). */
    void setEnds(Span span, int sizeClass) {
        long first = span.start >>> shift;
        set(first, 1, span, sizeClass);
        if (span.pages > 1) {
            set(first + span.pages - 1, 1, span, sizeClass);
        }
    }

    /** Records a span on every page (small spans). */
    void setAll(Span span, int sizeClass) {
        set(span.start >>> shift, span.pages, span, sizeClass);
    }

    private Leaf leaf(long page) {
        int r = (int) (page >>> LEAF_BITS);
        Leaf leaf = root[r];
        if (leaf == null) {
            leaf = new Leaf();
            root[r] = leaf;
            leaves++;
        }
        return leaf;
    }

    /** Forgets every entry: afterwards every lookup answers null and class 0. Caller holds the heap lock. */
    void clear() {
        Arrays.fill(root, null);
        leaves = 0;
    }

        /** An estimate of the Java heap this map uses. */
    long metadataBytes() {
        return 16L + 4L * root.length + (long) leaves * (5L * LEAF_SIZE + 48);
    }
}
