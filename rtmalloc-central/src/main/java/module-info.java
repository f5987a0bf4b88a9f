/**
 * rtmalloc's middle tier: per size class, a transfer cache of blocks in front
 * of a central free list of spans.
 */
module io.rtmalloc.central {
    requires io.rtmalloc.api;
    // The Declarative Services annotation of the provider: class retention, read by bnd at
    // build time, absent at run time.
    requires static org.osgi.service.component.annotations;

    provides io.rtmalloc.spi.CentralCacheProvider with io.rtmalloc.central.PerClassCentralCacheProvider;
}
