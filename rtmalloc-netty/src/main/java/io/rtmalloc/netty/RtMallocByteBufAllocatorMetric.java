package io.rtmalloc.netty;

import io.netty.buffer.ByteBufAllocatorMetric;

/**
 * What an {@link RtMallocByteBufAllocator} holds, for Netty's metrics binders:
 * the bytes of its live direct buffers (each buffer's capacity; its rtmalloc
 * block may be a little larger, the size of its class) and of its live heap
 * buffers. The rtmalloc allocator's own {@code stats()} says where the memory
 * behind them is.
 */
public final class RtMallocByteBufAllocatorMetric implements ByteBufAllocatorMetric {

    private final RtMallocByteBufAllocator allocator;

    RtMallocByteBufAllocatorMetric(RtMallocByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public long usedHeapMemory() {
        return allocator.usedHeapMemory();
    }

    @Override
    public long usedDirectMemory() {
        return allocator.usedDirectMemory();
    }

    @Override
    public String toString() {
        return "RtMallocByteBufAllocatorMetric(usedHeapMemory: " + usedHeapMemory()
                + "; usedDirectMemory: " + usedDirectMemory() + ")";
    }
}
