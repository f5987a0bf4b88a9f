package org.apache.arrow.memory;

import io.rtmalloc.arrow.RtMallocAllocationManager;

/**
 * Makes rtmalloc Arrow's default allocation manager: with this class on the
 * class path (and no {@code arrow.allocation.manager.type} set), Arrow's
 * {@code new RootAllocator()} and {@code RootAllocator.defaultConfig()} take
 * their buffers from {@code RtMalloc.global()}. Arrow finds the class by name
 * and reads {@link #FACTORY}; it looks for it before its own unsafe and netty
 * managers, so this one wins when they are present too.
 */
public final class DefaultAllocationManagerFactory implements AllocationManager.Factory {

    /** What Arrow reads: rtmalloc's factory over {@code RtMalloc.global()}. */
    public static final AllocationManager.Factory FACTORY = RtMallocAllocationManager.factory();

    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
        return FACTORY.create(accountingAllocator, size);
    }

    @Override
    public ArrowBuf empty() {
        return FACTORY.empty();
    }
}
