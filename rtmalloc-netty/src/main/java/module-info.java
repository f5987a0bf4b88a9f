/**
 * rtmalloc for Netty: a {@code ByteBufAllocator} whose direct buffers are
 * blocks of an rtmalloc {@link io.rtmalloc.Allocator}.
 */
module io.rtmalloc.netty {
    requires transitive io.rtmalloc.api;
    requires transitive io.netty.buffer;
    requires io.netty.common;

    exports io.rtmalloc.netty;
}
