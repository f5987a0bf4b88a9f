package io.rtmalloc.internal;

import io.rtmalloc.spi.StripedCounters;

/**
 * The allocator's calls per size class, in stats mode: {@code malloc}s served
 * and blocks freed, for each class and for class 0, which stands for blocks of
 * whole spans (large blocks). Striped ({@link StripedCounters}), since every
 * thread counts into the same instance.
 */
final class CallCounters {

    /** Per class, two counters side by side: allocations, then frees. */
    private final StripedCounters counts;

    /** Counters of classes {@code 0 .. classes - 1}, all zero. */
    CallCounters(int classes) {
        this.counts = new StripedCounters(2 * classes);
    }

    /** Counts a {@code malloc} served by class {@code cl} (0: whole spans). */
    void malloc(int cl) {
        counts.increment(2 * cl);
    }

    /** Counts a free of a block of class {@code cl} (0: whole spans). */
    void free(int cl) {
        counts.increment(2 * cl + 1);
    }

    /** The {@code malloc}s served by class {@code cl}, summed over the stripes. */
    long mallocs(int cl) {
        return counts.sum(2 * cl);
    }

    /** The frees of blocks of class {@code cl}, summed over the stripes. */
    long frees(int cl) {
        return counts.sum(2 * cl + 1);
    }
}
