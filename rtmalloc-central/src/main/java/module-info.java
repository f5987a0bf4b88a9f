/**
 * rtmalloc's middle tier: per size class, a transfer cache of blocks in front
 * of a central free list of spans.
 */
module io.rtmalloc.central {
    requires io.rtmalloc.api;

    provides io.rtmalloc.spi.CentralCacheProvider with io.rtmalloc.central.PerClassCentralCacheProvider;
}
