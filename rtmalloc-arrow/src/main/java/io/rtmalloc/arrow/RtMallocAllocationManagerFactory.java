package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;

import java.lang.foreign.Arena;

/**
 * Arrow's {@link AllocationManager.Factory} for {@link RtMallocAllocationManager}s
 * over one rtmalloc {@link Allocator}. Get one from
 * {@link RtMallocAllocationManager#factory(Allocator)}.
 */
public final class RtMallocAllocationManagerFactory implements AllocationManager.Factory {

    /**
     * Arrow's empty buffer (what a request for 0 bytes gets): no reference
     * counting, capacity 0, at the address of 8 bytes the JVM holds for its
     * whole life, shared by every factory, so that no allocator's accounts
     * keep a block for it.
     */
    private static final ArrowBuf EMPTY = new ArrowBuf(ReferenceManager.NO_OP, null, 0,
            Arena.global().allocate(8, 8).address());

    private final Allocator allocator;

    RtMallocAllocationManagerFactory(Allocator allocator) {
        this.allocator = allocator;
    }

    /** The factory over {@link RtMalloc#global()}, made when first asked for. */
    static RtMallocAllocationManagerFactory global() {
        return Global.FACTORY;
    }

    /** The allocator the buffers come from. */
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
        return new RtMallocAllocationManager(accountingAllocator, allocator, size);
    }

    @Override
    public ArrowBuf empty() {
        return EMPTY;
    }

    @Override
    public String toString() {
        return "RtMallocAllocationManagerFactory[" + allocator + "]";
    }

    /** Holds the factory over the process-wide allocator, built on first use. */
    private static final class Global {
        static final RtMallocAllocationManagerFactory FACTORY = new RtMallocAllocationManagerFactory(RtMalloc.global());
    }
}
