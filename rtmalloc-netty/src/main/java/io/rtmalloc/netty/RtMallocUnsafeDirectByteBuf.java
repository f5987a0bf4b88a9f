package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.internal.CleanableDirectBuffer;

import java.nio.ByteBuffer;

/**
 * Netty's Unsafe direct buffer over rtmalloc blocks: the twin of
 * {@link RtMallocDirectByteBuf} (which explains how the blocks are held) for a
 * JVM where Netty may use {@code sun.misc.Unsafe}.
 */
final class RtMallocUnsafeDirectByteBuf extends UnpooledUnsafeDirectByteBuf {

    /** The first block, until freed (then 0), and its size. */
    private long firstAddress;
    private final int firstSize;

    RtMallocUnsafeDirectByteBuf(RtMallocByteBufAllocator alloc, ByteBuffer block, long address, int maxCapacity) {
        super(alloc, false, block, maxCapacity); // false: no slice of the block
        setIndex(0, 0); // the constructor took the block as content: this buffer starts empty
        firstAddress = address;
        firstSize = block.capacity();
    }

    @Override
    protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
        return new RtMallocBlock((RtMallocByteBufAllocator) alloc(), capacity);
    }

    @Override
    protected ByteBuffer allocateDirect(int capacity) {
        return ((RtMallocByteBufAllocator) alloc()).take(capacity);
    }

    @Override
    protected void freeDirect(ByteBuffer buffer) {
        ((RtMallocByteBufAllocator) alloc()).give(buffer);
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        int old = capacity();
        super.capacity(newCapacity);
        if (newCapacity != old && firstAddress != 0) {
            freeFirst();
        }
        return this;
    }

    @Override
    protected void deallocate() {
        super.deallocate();
        if (firstAddress != 0) {
            freeFirst();
        }
    }

    private void freeFirst() {
        long address = firstAddress;
        firstAddress = 0;
        ((RtMallocByteBufAllocator) alloc()).give(address, firstSize);
    }
}
