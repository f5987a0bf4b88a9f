package io.rtmalloc;

import java.util.List;
import java.util.Locale;

/**
 * The size classes of a {@link Config} as lookup tables: which class serves a
 * request of {@code size} bytes ({@link #classOf}, called on every malloc), and
 * the size, span pages and batch size of each class. Immutable and thread-safe.
 *
 * <p>Classes are numbered {@code 1..count()} in ascending size; class 0 means "no
 * class": a request larger than {@link #maxSize()}, served as whole pages.
 *
 * <h2>Lookup (as tcmalloc's {@code SizeMap})</h2>
 * Two byte tables give the class of a size in O(1):
 * <ul>
 *   <li>a fine table indexed by {@code (size + 7) >> 3} for
 *       {@code size <= fineLimit}: one entry per 8 bytes;</li>
 *   <li>a coarse table indexed by {@code (size + 127) >> 7} for
 *       {@code fineLimit < size <= maxSize}: one entry per 128 bytes.</li>
 * </ul>
 * Entry {@code i} of a table with step {@code s} holds the smallest class whose
 * size is {@code >= i * s}. That is the smallest class {@code >= size} for every
 * size of the entry's range as long as no class size lies strictly inside the
 * range: always true for the fine table (sizes are multiples of 8), and true for
 * the coarse table because {@code fineLimit} is 1024 or, if larger, the largest
 * class size that is not a multiple of 128 (a user file may give, say, 1032): every
 * class above {@code fineLimit} is then a multiple of 128. The default table has
 * all classes above 1024 at multiples of 128, so its fine table has 129 entries
 * and its coarse table {@code 262144 / 128 + 1} = 2049.
 */
public final class SizeClasses {

    /** Step of the fine table: 8 bytes. */
    private static final int FINE_SHIFT = 3;
    /** Step of the coarse table: 128 bytes. */
    private static final int COARSE_SHIFT = 7;
    /** The fine table covers at least the sizes up to this. */
    private static final int MIN_FINE_LIMIT = 1024;

    /** The most bytes {@link #autoPages(int, int, int)} gives a span of a class up to a page. */
    static final int SPAN_TARGET_BYTES = 64 * 1024;

    /**
     * The default class sizes: 45 classes from 8 bytes to 256 KiB, spaced by 8
     * bytes up to 64, then four classes per doubling (as tcmalloc's), with a few
     * gaps among the large ones.
     */
    private static final int[] DEFAULT_SIZES = {
            8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128,
            160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
            1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
            10240, 12288, 16384, 20480, 32768, 40960, 65536, 131072, 262144
    };

    /** INVARIANT: class of sizes {@code (8(i-1), 8i]}; covers {@code 0..fineLimit}. */
    private final byte[] fine;
    /** INVARIANT: class of sizes {@code (128(i-1), 128i]}, used only above {@code fineLimit}. */
    private final byte[] coarse;
    /** Largest size looked up in {@link #fine}; a multiple of 8, {@code >= 1024}. */
    private final long fineLimit;
    private final long maxSize;
    private final int count;
    /** Per class, index 0 unused (all 0). */
    private final int[] sizes;
    private final int[] pages;
    private final int[] batchSizes;
    private final int[] objectsPerSpan;
    private final int pageSize;
    private final int pageShift;

    private SizeClasses(Config config) {
        List<SizeClass> classes = config.classes();
        count = classes.size();
        pageSize = config.pageSize();
        pageShift = Integer.numberOfTrailingZeros(pageSize);
        sizes = new int[count + 1];
        pages = new int[count + 1];
        batchSizes = new int[count + 1];
        objectsPerSpan = new int[count + 1];
        int fineTop = MIN_FINE_LIMIT;
        for (int cl = 1; cl <= count; cl++) {
            SizeClass c = classes.get(cl - 1);
            sizes[cl] = c.size();
            pages[cl] = c.pages();
            batchSizes[cl] = c.batchSize();
            objectsPerSpan[cl] = (int) ((long) c.pages() * pageSize / c.size());
            if ((c.size() & ((1 << COARSE_SHIFT) - 1)) != 0) {
                fineTop = Math.max(fineTop, c.size());
            }
        }
        maxSize = sizes[count];
        fineLimit = fineTop;
        fine = table(fineTop >> FINE_SHIFT, FINE_SHIFT);
        coarse = table(maxSize > fineTop ? (int) ((maxSize + (1 << COARSE_SHIFT) - 1) >> COARSE_SHIFT) : 0,
                COARSE_SHIFT);
    }

    /** Entries {@code 0..last}: entry {@code i} is the smallest class of size {@code >= i << shift}, or 0. */
    private byte[] table(int last, int shift) {
        byte[] t = new byte[last + 1];
        int cl = 1;
        for (int i = 0; i <= last; i++) {
            long lowest = (long) i << shift;
            while (cl <= count && sizes[cl] < lowest) {
                cl++;
            }
            t[i] = (byte) (cl <= count ? cl : 0);
        }
        return t;
    }

    // ---------------------------------------------------------------- sizing rules

    /**
     * Pages of a span of the class of {@code size} when the configuration does not
     * say, with the class's batch size by {@link #autoBatchSize}: as
     * {@link #autoPages(int, int, int)}.
     *
     * @return the pages of a span of the class
     * @param size     the class size, {@code size <= Integer.MAX_VALUE} (below 1, taken as 1)
     * @param pageSize a valid page size (a power of two {@code >= 4096})
     * @throws ConfigException if {@code pageSize} is not a valid page size
     */
    public static int autoPages(int size, int pageSize) {
        return autoPages(size, pageSize, autoBatchSize(size, pageSize));
    }

    /**
     * Pages of a span of the class of {@code size} when the configuration does not
     * say.
     * <ul>
     * <li>Up to a page: enough pages for one batch of {@code batchSize} objects,
     * but no more than {@value #SPAN_TARGET_BYTES} bytes (or one page, if a page
     * is larger), then more pages while the tail no object fits in is more than
     * an eighth of the span. A span that holds a batch lets a front end's refill
     * take its blocks from one or two spans, and a class that empties and fills
     * again takes one span from the page heap per batch, not several (one
     * 8 KiB page holds 8 blocks of 1 KiB, a quarter of a batch).</li>
     * <li>Up to four pages: {@code ceil(size * 8 / pageSize)}; above,
     * {@code ceil(size * 2 / pageSize)}.</li>
     * </ul>
     * A span is carved a page at a time as its blocks are handed out, so pages
     * of a large span that are never used are never touched.
     *
     * @return the pages of a span of the class
     * @param size      the class size, {@code size <= Integer.MAX_VALUE} (below 1, taken as 1)
     * @param pageSize  a valid page size (a power of two {@code >= 4096})
     * @param batchSize the class's batch size, {@code > 0}
     * @throws ConfigException if {@code pageSize} is not a valid page size
     */
    public static int autoPages(int size, int pageSize, int batchSize) {
        ConfigValidator.checkPageSize(pageSize);
        long s = Math.max(1, size);
        if (s <= pageSize) {
            long want = Math.min(s * Math.max(1, batchSize), Math.max(SPAN_TARGET_BYTES, pageSize));
            long pages = Math.max(1, (want + pageSize - 1) / pageSize);
            // Ends by 8 pages: the tail is below size <= pageSize, an eighth of 8 pages.
            while ((pages * pageSize) % s > (pages * pageSize) >>> 3) {
                pages++;
            }
            return (int) pages;
        }
        long bytes = s <= 4L * pageSize ? s * 8 : s * 2;
        return (int) ((bytes + pageSize - 1) / pageSize);
    }

    /**
     * Objects moved at once between a front-end cache and the transfer cache when
     * the configuration does not say: 32 if {@code size <= 1024};
     * {@code max(65536 / size, 2)} if {@code size <= 4096}; else
     * {@code max(pageSize / size, 2)} (integer division).
     *
     * @return the batch size of the class
     * @param size     the class size, {@code > 0}
     * @param pageSize a valid page size (a power of two {@code >= 4096})
     * @throws ConfigException if {@code pageSize} is not a valid page size
     */
    public static int autoBatchSize(int size, int pageSize) {
        ConfigValidator.checkPageSize(pageSize);
        if (size <= 1024) {
            return 32;
        }
        if (size <= 4096) {
            return Math.max(65536 / size, 2);
        }
        return Math.max(pageSize / size, 2);
    }

    /**
     * The class sizes of {@link Config#defaults()}: 45 classes from 8 bytes to
     * 256 KiB, their pages and batch sizes left to the sizing rules.
     *
     * @return a new array of the sizes, ascending
     */
    public static int[] defaultSizes() {
        return DEFAULT_SIZES.clone();
    }

    /**
     * The tables of {@code config}'s classes.
     *
     * @param config the configuration
     * @return the tables of {@code config}'s classes
     */
    public static SizeClasses of(Config config) {
        return new SizeClasses(config);
    }

    /**
     * How many classes there are; they are numbered {@code 1..count()}.
     *
     * @return the number of classes
     */
    public int count() {
        return count;
    }

    /**
     * The smallest class whose size is {@code >= size}, or 0 when
     * {@code size > maxSize()} (whole pages). Size 0 gives class 1. A negative
     * size (callers reject it before) gives 0, never an exception.
     *
     * @param size the bytes asked for
     * @return the smallest class whose size is {@code >= size}, or 0 when {@code size > maxSize()} (whole pages)
     */
    public int classOf(long size) {
        // Unsigned compares send negative sizes to the "too large" answer.
        if (Long.compareUnsigned(size, fineLimit) <= 0) {
            return fine[(int) ((size + 7) >>> FINE_SHIFT)];
        }
        if (Long.compareUnsigned(size, maxSize) <= 0) {
            return coarse[(int) ((size + 127) >>> COARSE_SHIFT)];
        }
        return 0;
    }

    /**
     * Bytes of every block of class {@code sizeClass} (0 for class 0).
     *
     * @param sizeClass a class, {@code 1..count()}
     * @return the class size in bytes
     */
    public int size(int sizeClass) {
        return sizes[sizeClass];
    }

    /**
     * Pages of one span of class {@code sizeClass} (0 for class 0).
     *
     * @param sizeClass a class, {@code 1..count()}
     * @return the pages of a span
     */
    public int pages(int sizeClass) {
        return pages[sizeClass];
    }

    /**
     * Blocks moved at once between a front-end cache and the transfer cache (0 for class 0).
     *
     * @param sizeClass a class, {@code 1..count()}
     * @return the batch size
     */
    public int batchSize(int sizeClass) {
        return batchSizes[sizeClass];
    }

    /**
     * Blocks one span of class {@code sizeClass} is carved into: {@code pages * pageSize / size} (0 for class 0).
     *
     * @param sizeClass a class, {@code 1..count()}
     * @return the blocks per span
     */
    public int objectsPerSpan(int sizeClass) {
        return objectsPerSpan[sizeClass];
    }

    /**
     * The largest class size: larger requests have no class.
     *
     * @return the largest class size
     */
    public long maxSize() {
        return maxSize;
    }

    /**
     * Bytes of one page.
     *
     * @return the page size in bytes
     */
    public int pageSize() {
        return pageSize;
    }

    /**
     * {@code log2(pageSize())}.
     *
     * @return the page shift
     */
    public int pageShift() {
        return pageShift;
    }

    /**
     * The table, one line per class: its index, size, span pages, batch size,
     * blocks per span, and the tail of the span no block uses, in bytes and as a
     * percentage of the span.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(96 * (count + 4));
        b.append(String.format(Locale.ROOT,
                "%d size classes, page size %d bytes; requests above %d bytes take whole pages (class 0)%n",
                count, pageSize, maxSize));
        b.append(String.format(Locale.ROOT,
                "tail waste = span bytes (pages * page size) left over after objects * size%n"));
        b.append(String.format(Locale.ROOT, "%5s %9s %6s %6s %12s %11s %7s%n",
                "class", "size", "pages", "batch", "objects/span", "tail waste", "waste%"));
        for (int cl = 1; cl <= count; cl++) {
            long span = (long) pages[cl] * pageSize;
            long waste = span - (long) objectsPerSpan[cl] * sizes[cl];
            b.append(String.format(Locale.ROOT, "%5d %9d %6d %6d %12d %11d %6.2f%%%n",
                    cl, sizes[cl], pages[cl], batchSizes[cl], objectsPerSpan[cl], waste, 100.0 * waste / span));
        }
        return b.toString();
    }
}
