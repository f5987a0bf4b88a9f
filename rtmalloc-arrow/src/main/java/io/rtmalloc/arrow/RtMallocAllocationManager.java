package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import java.util.Objects;

/**
 * The memory of one Arrow allocation: one block of an rtmalloc
 * {@link Allocator}, taken with {@code malloc} when Arrow creates the
 * allocation and freed, with a sized {@code free}, when Arrow releases it (the
 * last reference to the buffer and its slices is gone, on whatever thread that
 * happens).
 *
 * <p>{@link #getSize()} is the size Arrow asked for, as with Arrow's Unsafe
 * manager: Arrow accounts an allocation at the size it requested and releases
 * {@code getSize()} from its accounts when the allocation goes, so the two must
 * agree. The block may be larger (the size of its class).
 *
 * <p>Instances come from a {@link #factory(Allocator) factory}, which Arrow
 * calls; see the package documentation for how to install it.
 */
public final class RtMallocAllocationManager extends AllocationManager {

    private final Allocator allocator;
    private final long address;
    private final long size;

    /**
     * Takes a block of {@code size} bytes for {@code accountingAllocator}, which
     * has already reserved them.
     *
     * @throws OutOfMemoryError if rtmalloc cannot get memory from the system
     */
    RtMallocAllocationManager(BufferAllocator accountingAllocator, Allocator allocator, long size) {
        super(accountingAllocator);
        this.allocator = allocator;
        // After super(), as Arrow's own managers do: it checks that the accounting allocator is
        // open, and a block taken before a refusal there would be lost.
        this.address = allocator.malloc(size);
        this.size = size;
    }

    /**
     * The factory of managers over {@link RtMalloc#global()}: the same instance on every call.
     *
     * @return the factory over {@link RtMalloc#global()}
     * @throws IllegalStateException on every call, with the same message and cause as
     *         {@link RtMalloc#global()}, when that cannot be built (a bad setting)
     */
    public static RtMallocAllocationManagerFactory factory() {
        return RtMallocAllocationManagerFactory.global();
    }

    /**
     * A factory of managers over {@code allocator}: pass it to
     * {@code RootAllocator.configBuilder().allocationManagerFactory(...)}.
     * Arrow may release a buffer on any thread, so {@code allocator} must be
     * callable from every thread: not a {@link Allocator#threadBound()} view.
     *
     * @param allocator where the buffers' blocks come from
     * @return a new factory over {@code allocator}
     */
    public static RtMallocAllocationManagerFactory factory(Allocator allocator) {
        return new RtMallocAllocationManagerFactory(Objects.requireNonNull(allocator, "allocator"));
    }

    /**
     * A root allocator of unlimited size over {@link RtMalloc#global()}.
     *
     * @return a new root allocator
     * @throws IllegalStateException as {@link RtMalloc#global()} does, when that cannot be built
     */
    public static RootAllocator newRootAllocator() {
        return newRootAllocator(RtMalloc.global(), Long.MAX_VALUE);
    }

    /**
     * A root allocator whose buffers come from {@code allocator}, allowed to
     * hold at most {@code limit} bytes: Arrow's public configuration API with
     * this factory and Arrow's defaults for the rest.
     *
     * @param allocator where the buffers' blocks come from (not a thread-bound view)
     * @param limit     the most bytes the root allocator and its children may hold at once
     * @return a new root allocator
     */
    public static RootAllocator newRootAllocator(Allocator allocator, long limit) {
        return new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(factory(allocator))
                .maxAllocation(limit)
                .build());
    }

    /** The size Arrow asked for; the block may be larger. */
    @Override
    public long getSize() {
        return size;
    }

    @Override
    protected long memoryAddress() {
        return address;
    }

    /** Arrow calls this once, when the allocation's last reference is released. */
    @Override
    protected void release0() {
        allocator.free(address, size);
    }
}
