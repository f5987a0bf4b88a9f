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

    /**
     * The factory over {@link RtMalloc#global()}, made when first asked for.
     *
     * @throws IllegalStateException on every call, with the same message and cause as
     *         {@link RtMalloc#global()}, when that cannot be built (a bad setting)
     */
    static RtMallocAllocationManagerFactory global() {
        // One read of a constant once the holder is initialised: the branch folds away.
        RtMallocAllocationManagerFactory f = Global.FACTORY;
        if (f != null) {
            return f;
        }
        throw Global.failure();
    }

    /**
     * The allocator the buffers come from.
     *
     * @return the allocator this factory's managers take their blocks from
     */
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

    /**
     * Holds the factory over the process-wide allocator, built on first use, or why it could not
     * be built. Its initialiser never throws, so that a bad setting is the clear exception of
     * {@link RtMalloc#global()} on every call of {@link #global()} rather than an
     * {@link ExceptionInInitializerError} once and a {@link NoClassDefFoundError} ever after.
     */
    private static final class Global {
        /** The factory; null when {@link RtMalloc#global()} could not be built. */
        static final RtMallocAllocationManagerFactory FACTORY;
        /** The message {@link RtMalloc#global()} threw; null when built. */
        static final String FAILURE_MESSAGE;
        /** The cause it threw with (the {@code ConfigException} of a bad setting); null when built. */
        static final Throwable FAILURE_CAUSE;

        static {
            Allocator global = null;
            String message = null;
            Throwable cause = null;
            try {
                global = RtMalloc.global();
            } catch (IllegalStateException e) {
                // How RtMalloc.global() reports every failure: passed on with its message and cause.
                message = e.getMessage();
                cause = e.getCause();
            }
            FACTORY = global != null ? new RtMallocAllocationManagerFactory(global) : null;
            FAILURE_MESSAGE = message;
            FAILURE_CAUSE = cause;
        }

        /** A new exception for each call (with the caller's stack), the same message and cause each time. */
        static IllegalStateException failure() {
            return new IllegalStateException(FAILURE_MESSAGE, FAILURE_CAUSE);
        }
    }
}
