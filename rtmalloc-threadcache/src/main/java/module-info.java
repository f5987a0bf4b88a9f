/**
 * rtmalloc's per-thread front end: caches of small blocks per thread, so that
 * most calls touch no lock and no atomic.
 */
module io.rtmalloc.threadcache {
    requires io.rtmalloc.api;
    // Inside an OSGi framework only: the Declarative Services annotations (class retention,
    // read by bnd at build time) and the framework API of the Allocator component.
    requires static org.osgi.framework;
    requires static org.osgi.service.component.annotations;

    provides io.rtmalloc.spi.FrontEndProvider with io.rtmalloc.threadcache.ThreadCacheFrontEndProvider;
}
