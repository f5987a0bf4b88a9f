package io.rtmalloc.netty;

import io.netty.util.internal.CleanableDirectBuffer;

import java.nio.ByteBuffer;

/**
 * A block a buffer has grown into: what Netty's {@code capacity(n)} gets from
 * the buffer's {@code allocateDirectBuffer(int)} hook, and frees with
 * {@link #clean()} when the buffer moves again or is released.
 */
final class RtMallocBlock implements CleanableDirectBuffer {

    private final RtMallocByteBufAllocator allocator;
    private final ByteBuffer buffer;
    private final long address;

    RtMallocBlock(RtMallocByteBufAllocator allocator, int size) {
        this.allocator = allocator;
        this.address = allocator.allocator().malloc(size);
        this.buffer = BlockViews.of(address, size);
    }

    @Override
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Frees the block; Netty calls it once. */
    @Override
    public void clean() {
        allocator.give(address, buffer.capacity());
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        return address;
    }
}
