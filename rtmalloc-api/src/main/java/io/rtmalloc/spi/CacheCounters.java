package io.rtmalloc.spi;

/**
 * A cache's counters per size class, one of each {@link Kind}: what a thread's
 * or a CPU's cache did, kept when stats are on ({@link Switches#STATS}).
 *
 * <p>Not thread-safe: each cache counts in its own instance, written only by
 * the thread that owns the cache (its owner thread, or the holder of a CPU
 * cache's owner word). Other threads read a racy snapshot, exact when the
 * owners are quiet; {@link #add} sums caches into a fresh instance.
 *
 * <p>The counts of a class lie side by side in one array, the four kinds of
 * up to two classes in a cache line; the increments are a load and a store.
 */
public final class CacheCounters {

    /** What a counter counts. */
    public enum Kind {
        /** An allocation served from the cache. */
        HITS,
        /** An allocation that found its list empty. */
        MISSES,
        /** A batch fetched from the central cache. */
        REFILLS,
        /** A batch given back to the central cache. */
        FLUSHES
    }

    private static final int KINDS = 4;
    private static final int HIT = 0;
    private static final int MISS = 1;
    private static final int REFILL = 2;
    private static final int FLUSH = 3;

    /** {@code [sizeClass * KINDS + kind]}. */
    private final long[] counts;

    /**
     * Counters of classes {@code 1 .. classes - 1} (index 0 unused), all zero.
     *
     * @param classes the number of class indices, the unused 0 included
     */
    public CacheCounters(int classes) {
        this.counts = new long[classes * KINDS];
    }

    /**
     * The number of class indices.
     *
     * @return the number of class indices, the unused 0 included
     */
    public int classes() {
        return counts.length / KINDS;
    }

    /**
     * Counts an allocation served from the cache.
     *
     * @param sizeClass the allocation's size class
     */
    public void hit(int sizeClass) {
        counts[sizeClass * KINDS + HIT]++;
    }

    /**
     * Counts an allocation that found its list empty, and the refill that followed.
     *
     * @param sizeClass the allocation's size class
     */
    public void missAndRefill(int sizeClass) {
        counts[sizeClass * KINDS + MISS]++;
        counts[sizeClass * KINDS + REFILL]++;
    }

    /**
     * Counts a batch given back to the central cache.
     *
     * @param sizeClass the batch's size class
     */
    public void flush(int sizeClass) {
        counts[sizeClass * KINDS + FLUSH]++;
    }

    /**
     * A count.
     *
     * @param sizeClass the size class
     * @param kind      what is counted
     * @return the count of {@code kind} for class {@code sizeClass}; 0 for a class these counters do not have
     */
    public long get(int sizeClass, Kind kind) {
        int i = sizeClass * KINDS + kind.ordinal();
        return sizeClass >= 0 && i < counts.length ? counts[i] : 0;
    }

    /**
     * Adds every count of {@code other} to these.
     *
     * @param other counters of as many classes as these or fewer
     * @throws IllegalArgumentException if {@code other} has more classes
     */
    public void add(CacheCounters other) {
        long[] from = other.counts;
        if (from.length > counts.length) {
            throw new IllegalArgumentException("counters of " + other.classes() + " classes added to " + classes());
        }
        for (int i = 0; i < from.length; i++) {
            counts[i] += from[i];
        }
    }
}
