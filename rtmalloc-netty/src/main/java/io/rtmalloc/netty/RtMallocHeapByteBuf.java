package io.rtmalloc.netty;

import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.UnpooledUnsafeHeapByteBuf;

/**
 * Netty's unpooled heap buffer, counted in its allocator's
 * {@code usedHeapMemory()}; {@link Unsafe} is Netty's Unsafe variant, used
 * when Netty may use {@code sun.misc.Unsafe}.
 */
class RtMallocHeapByteBuf extends UnpooledHeapByteBuf {

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

    static final class Unsafe extends UnpooledUnsafeHeapByteBuf {

        Unsafe(RtMallocByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

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
}
