package io.rtmalloc.spi;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters that threads increment without contending: each thread adds to the
 * stripe its id hashes to (stripes are cache-line apart), and {@link #sum}
 * adds the stripes up. For statistics that are read rarely and written often.
 */
public final class StripedCounters {

    private static final int STRIPES =
            Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1);

    private final int stride;
    private final AtomicLongArray cells;

    /**
     * {@code counters} counters, each striped.
     *
     * @param counters how many counters
     */
    public StripedCounters(int counters) {
        this.stride = (counters + 7) & ~7; // stripes start on separate cache lines
        this.cells = new AtomicLongArray(STRIPES * stride);
    }

    /**
     * Adds one to counter {@code i}.
     *
     * @param i the counter's index
     */
    public void increment(int i) {
        int stripe = (int) (Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L >>> 40) & (STRIPES - 1);
        cells.getAndIncrement(stripe * stride + i);
    }

    /**
     * Counter {@code i}, summed over the stripes.
     *
     * @param i the counter's index
     * @return counter {@code i}, summed over the stripes
     */
    public long sum(int i) {
        long s = 0;
        for (int stripe = 0; stripe < STRIPES; stripe++) {
            s += cells.get(stripe * stride + i);
        }
        return s;
    }
}
