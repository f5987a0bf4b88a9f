package io.rtmalloc.netty;

import io.netty.buffer.ByteBufAllocatorMetric;

/**
 * What an {@link RtMallocByteBufAllocator} holds, for Netty's metrics binders.
 *
 * <p>{@link #usedDirectMemory()} is the bytes in use in the rtmalloc
 * {@code Allocator} the direct buffers come from ({@code stats().bytesInUse()}:
 * whole blocks, each the size of its class): the direct buffers' memory when
 * that allocator serves only this Netty allocator, and everything its other
 * users hold besides when it is shared (such as {@code RtMalloc.global()}).
 * It is computed when read (a snapshot of rtmalloc's accounts, some
 * microseconds), so that allocating and releasing a buffer pays no counter.
 *
 * <p>{@link #usedHeapMemory()} is the bytes of this allocator's live heap
 * buffers (their arrays' lengths).
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
