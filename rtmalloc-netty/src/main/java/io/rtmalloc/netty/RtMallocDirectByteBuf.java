package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.internal.CleanableDirectBuffer;

import java.nio.ByteBuffer;

/**
 * Netty's safe direct buffer (no JDK-internal unsafe memory access) over rtmalloc
 * blocks, the adapter's only direct buffer.
 *
 * <p>The first block comes through the constructor: Netty's constructors that
 * allocate call a package-private hook, and the protected ones that take a
 * {@code ByteBuffer} treat it as the caller's, which Netty never frees. So
 * this class frees that first block itself: once {@link #capacity(int)} has
 * moved the contents to a new block, or on the last release
 * ({@link #deallocate()}). The blocks it grows into come from
 * {@link #allocateDirectBuffer(int)} as {@link RtMallocBlock}s, and Netty
 * frees them through their {@code clean()} when the buffer moves again or is
 * released.
 */
final class RtMallocDirectByteBuf extends UnpooledDirectByteBuf {

    /** The first block, until freed (then 0), and its size. */
    private long firstAddress;
    private final int firstSize;

    RtMallocDirectByteBuf(RtMallocByteBufAllocator alloc, ByteBuffer block, long address, int maxCapacity) {
        super(alloc, block, maxCapacity);
        setIndex(0, 0); // the constructor took the block as content: this buffer starts empty
        firstAddress = address;
        firstSize = block.capacity();
    }

    @Override
    protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
        return new RtMallocBlock((RtMallocByteBufAllocator) alloc(), capacity);
    }

    /** Netty 4.2 no longer calls it; a buffer of it would be freed by {@link #freeDirect}. */
    @Override
    protected ByteBuffer allocateDirect(int capacity) {
        return ((RtMallocByteBufAllocator) alloc()).take(capacity);
    }

    /** Netty calls it only for a buffer of {@link #allocateDirect}, never for the first block. */
    @Override
    protected void freeDirect(ByteBuffer buffer) {
        ((RtMallocByteBufAllocator) alloc()).give(buffer);
    }

    /** Moves the contents to a new block, then frees the first block if that was the one left. */
    @Override
    public ByteBuf capacity(int newCapacity) {
        int old = capacity();
        super.capacity(newCapacity);
        if (newCapacity != old && firstAddress != 0) {
            freeFirst();
        }
        return this;
    }

    /** Frees the current block: Netty frees a grown one, this class the first. */
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
