/**
 * rtmalloc for Apache Arrow: an {@code AllocationManager} whose buffers are
 * blocks of an rtmalloc {@link io.rtmalloc.Allocator}, and its factory, for a
 * {@code RootAllocator} built with Arrow's configuration API.
 */
module io.rtmalloc.arrow {
    requires transitive io.rtmalloc.api;
    requires transitive org.apache.arrow.memory.core;

    exports io.rtmalloc.arrow;
}
