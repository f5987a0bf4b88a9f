package io.rtmalloc;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The sizes a program really allocates: the recorder of rtmalloc's
 * profile-guided loop. Record a workload with {@code -Drtmalloc.histogram=true};
 * the size-class advisor of the rtmalloc-management module
 * ({@code io.rtmalloc.management.SizeClassAdvisor}) turns a {@link #snapshot()}
 * into the classes that would waste least and a configuration file for the
 * next run.
 *
 * <p>Counts are kept per 8-byte bucket up to {@link #MAX_SIZE} bytes: bucket
 * {@code b} holds requests of {@code 8(b-1)+1 .. 8b} bytes (bucket 0 the
 * requests of 0 bytes), and larger requests are counted as overflow. Counters
 * are striped by thread, so recording threads do not contend on one cache
 * line; {@link #snapshot()} sums the stripes.
 *
 * <p>Recording costs nothing when the histogram is off: front ends test
 * {@link #ENABLED}, a {@code static final} read once from the system property.
 */
public final class AllocationHistogram {

    /** An empty histogram; each allocator makes its own. */
    public AllocationHistogram() {
    }

    /** Whether allocators record sizes ({@code -Drtmalloc.histogram=true}). */
    public static final boolean ENABLED = Boolean.getBoolean("rtmalloc.histogram");

    /** The largest size counted per bucket. */
    public static final int MAX_SIZE = 4096;
    /** Buckets 0 .. MAX_SIZE/8, then one overflow slot. */
    static final int BUCKETS = MAX_SIZE / 8 + 1;
    private static final int OVERFLOW = BUCKETS;
    /** Slots per stripe, rounded up so stripes start on separate cache lines. */
    private static final int STRIDE = (BUCKETS + 1 + 7) & ~7;
    private static final int STRIPES = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1);

    private final AtomicLongArray counts = new AtomicLongArray(STRIPES * STRIDE);

    /**
     * Records one request of {@code size} bytes.
     *
     * @param size the bytes asked for
     */
    public void record(long size) {
        int slot = size <= MAX_SIZE ? (int) ((size + 7) >>> 3) : OVERFLOW;
        int stripe = (int) (Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L >>> 40) & (STRIPES - 1);
        counts.getAndIncrement(stripe * STRIDE + slot);
    }

    /** Forgets everything recorded. */
    public void reset() {
        for (int i = 0; i < counts.length(); i++) {
            counts.set(i, 0);
        }
    }

    /**
     * The counts recorded so far, summed over the stripes.
     *
     * @return the counts recorded so far, summed over the stripes
     */
    public Snapshot snapshot() {
        long[] buckets = new long[BUCKETS];
        long overflow = 0;
        for (int s = 0; s < STRIPES; s++) {
            for (int b = 0; b < BUCKETS; b++) {
                buckets[b] += counts.get(s * STRIDE + b);
            }
            overflow += counts.get(s * STRIDE + OVERFLOW);
        }
        return new Snapshot(buckets, overflow);
    }

    /**
     * Counts at one moment.
     *
     * @param buckets  {@code buckets[b]}: requests of {@code 8(b-1)+1 .. 8b} bytes ({@code b = 0}: 0 bytes)
     * @param overflow requests above {@link #MAX_SIZE} bytes
     */
    public record Snapshot(long[] buckets, long overflow) {

        /**
         * Copies the counts.
         *
         * @param buckets  the counts per bucket
         * @param overflow the requests above {@link #MAX_SIZE} bytes
         */
        public Snapshot {
            buckets = buckets.clone();
        }

        /**
         * A snapshot from counts given in code (tests, recorded workloads).
         *
         * @return a snapshot from counts given in code (tests, recorded workloads)
         */
        public static Snapshot of(long[] buckets, long overflow) {
            if (buckets.length != BUCKETS) {
                throw new IllegalArgumentException("expected " + BUCKETS + " buckets, got " + buckets.length);
            }
            for (long c : buckets) {
                if (c < 0) {
                    throw new IllegalArgumentException("negative count " + c);
                }
            }
            return new Snapshot(buckets, overflow);
        }

        /**
         * The counts per bucket.
         *
         * @return a copy of the counts
         */
        @Override
        public long[] buckets() {
            return buckets.clone();
        }

        /**
         * Requests counted in buckets (not overflow).
         *
         * @return the requests counted in buckets
         */
        public long total() {
            long t = 0;
            for (long c : buckets) {
                t += c;
            }
            return t;
        }

        /**
         * The size a bucket stands for: its largest request, {@code 8b} (8 for
         * bucket 0: a class is at least 8 bytes).
         *
         * @param bucket a bucket index, {@code 0 .. MAX_SIZE / 8}
         * @return the bucket's size in bytes
         */
        public static int sizeOf(int bucket) {
            return Math.max(8, bucket * 8);
        }
    }
}
