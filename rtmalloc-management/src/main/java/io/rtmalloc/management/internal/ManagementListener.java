package io.rtmalloc.management.internal;

import io.rtmalloc.Allocator;
import io.rtmalloc.ReleaseCause;
import io.rtmalloc.management.AllocatorMXBeans;
import io.rtmalloc.spi.AllocatorListener;

/**
 * The management module's listener, found by the allocator through
 * {@link java.util.ServiceLoader}: large allocations and releases become JFR
 * events (committed only when a recording enables them), named allocators
 * MXBeans.
 */
public final class ManagementListener implements AllocatorListener {

    /** Made by {@link java.util.ServiceLoader}. */
    public ManagementListener() {
    }

    @Override
    public void largeAllocation(long requested, long size, long address, String frontEnd) {
        LargeAllocationEvent event = new LargeAllocationEvent();
        if (event.shouldCommit()) {
            event.requested = requested;
            event.size = size;
            event.address = address;
            event.frontEnd = frontEnd;
            event.commit();
        }
    }

    @Override
    public void memoryReleased(ReleaseCause cause, long bytes, long mapped, String frontEnd) {
        MemoryReleaseEvent event = new MemoryReleaseEvent();
        if (event.shouldCommit()) {
            event.bytes = bytes;
            event.mapped = mapped;
            event.cause = cause.label();
            event.frontEnd = frontEnd;
            event.commit();
        }
    }

    @Override
    public Runnable named(String name, Allocator allocator) {
        AllocatorMXBeans.register(name, allocator);
        return () -> AllocatorMXBeans.unregister(name);
    }
}
