/**
 * rtmalloc's public API: the {@link io.rtmalloc.Allocator}, how stacks are built
 * ({@link io.rtmalloc.RtMalloc}), configuration and size classes. The service
 * interfaces through which the page heap, central cache and front-end modules
 * plug in ({@code io.rtmalloc.spi}) are exported to those modules alone: they
 * read and write native memory at any address, with this module's native
 * access, and build tiers that the allocator trusts.
 */
module io.rtmalloc.api {
    exports io.rtmalloc;
    // io.rtmalloc.internal, the allocator that joins the two, is exported to no module.
    // rtmalloc's own modules only: the tiers, which implement the interfaces. Any other module
    // would reach raw memory through NativeMemory without native access of its own.
    exports io.rtmalloc.spi to
            io.rtmalloc.pageheap,
            io.rtmalloc.central,
            io.rtmalloc.global,
            io.rtmalloc.threadcache,
            io.rtmalloc.percpu,
            io.rtmalloc.management;

    uses io.rtmalloc.ConfigReader;
    uses io.rtmalloc.spi.AllocatorListener;
    uses io.rtmalloc.spi.PageHeapProvider;
    uses io.rtmalloc.spi.CentralCacheProvider;
    uses io.rtmalloc.spi.FrontEndProvider;
}
