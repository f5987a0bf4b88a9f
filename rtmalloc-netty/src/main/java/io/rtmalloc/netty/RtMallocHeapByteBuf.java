package io.rtmalloc.netty;

import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * Netty's unpooled heap buffer, counted in its allocator's
 * {@code usedHeapMemory()}. Netty's safe variant, whatever Netty may use: the
 * adapter, like the rest of rtmalloc, reaches memory through FFM and
 * {@code ByteBuffer}s only, never the JDK's internal unsafe memory access.
 */
final class RtMallocHeapByteBuf extends UnpooledHeapByteBuf {

    RtMallocHeapByteBuf(RtMallocByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        super(alloc, initialCapacity, maxCapacity);
    }

    // Called from Netty's constructor (alloc() is set by then), and on every growth.
    @Override
    protected byte[] allocateArray(int initialCapacity) {
        byte[] array = super.allocateArray(initialCapacity);
        ((RtMallocByteBufAllocator) alloc()).heapAllocated(array.length);
        return array;
    }

    @Override
    protected void freeArray(byte[] array) {
        ((RtMallocByteBufAllocator) alloc()).heapAllocated(-array.length);
        super.freeArray(array);
    }
}
