package io.rtmalloc;

/**
 * One size class in an {@link AllocatorStats} snapshot; counts are blocks.
 *
 * @param sizeClass    the class index (1-based)
 * @param size         bytes per block
 * @param spans        spans carved into this class
 * @param inUse        blocks held by the application
 * @param inFrontEnd   blocks in front-end caches
 * @param inTransfer   blocks in the transfer cache
 * @param freeInSpans  blocks free in the central lists' spans (carved or not)
 * @param hits         front-end allocations served from a cache (0 unless {@code -Drtmalloc.stats=true})
 * @param misses       front-end allocations that found the cache empty (likewise)
 * @param refills      batches fetched from the transfer cache (likewise)
 * @param flushes      batches returned to the transfer cache (likewise)
 * @param allocations  mallocs served by this class since the allocator was built (likewise)
 * @param frees        frees of blocks of this class (likewise)
 */
public record SizeClassStats(int sizeClass, int size, long spans, long inUse, long inFrontEnd,
                             long inTransfer, long freeInSpans, long hits, long misses,
                             long refills, long flushes, long allocations, long frees) {
}
