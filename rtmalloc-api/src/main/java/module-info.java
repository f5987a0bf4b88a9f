/**
 * rtmalloc's public API: the {@link io.rtmalloc.Allocator}, how stacks are built
 * ({@link io.rtmalloc.RtMalloc}), configuration and size classes, and the
 * service interfaces ({@code io.rtmalloc.spi}) through which the page heap,
 * central cache and front-end modules plug in.
 */
module io.rtmalloc.api {
    requires org.tomlj;
    // For io.rtmalloc.osgi, the tier bundles' activator, loaded only inside an OSGi framework.
    requires static org.osgi.framework;
    requires static org.osgi.util.tracker;
    requires java.management;
    requires jdk.jfr;

    exports io.rtmalloc;
    exports io.rtmalloc.spi;

    uses io.rtmalloc.spi.PageHeapProvider;
    uses io.rtmalloc.spi.CentralCacheProvider;
    uses io.rtmalloc.spi.FrontEndProvider;
}
