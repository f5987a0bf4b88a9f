package org.apache.arrow.memory;

import io.rtmalloc.arrow.RtMallocAllocationManager;

/**
 * Makes rtmalloc Arrow's default allocation manager: with this class on the
 * class path (and no {@code arrow.allocation.manager.type} set), Arrow's
 * {@code new RootAllocator()} and {@code RootAllocator.defaultConfig()} take
 * their buffers from {@code RtMalloc.global()}. Arrow finds the class by name
 * and reads {@link #FACTORY}; it looks for it before its own unsafe and netty
 * managers, so this one wins when they are present too.
 *
 * <p>When {@code RtMalloc.global()} cannot be built (a bad setting), every
 * {@code new RootAllocator()} throws the {@link IllegalStateException} that
 * {@code RtMalloc.global()} throws, with the same message and cause.
 */
public final class DefaultAllocationManagerFactory implements AllocationManager.Factory {

    /**
     * What Arrow reads: rtmalloc's factory over {@code RtMalloc.global()}, or,
     * when that cannot be built, a factory whose every call throws why.
     */
    public static final AllocationManager.Factory FACTORY = globalOrFailing();

    /**
     * A factory that hands every call to {@link #FACTORY}. Arrow itself reads the field and
     * makes no instance; the constructor is public for code that wants one.
     */
    public DefaultAllocationManagerFactory() {
    }

    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
        return FACTORY.create(accountingAllocator, size);
    }

    @Override
    public ArrowBuf empty() {
        return FACTORY.empty();
    }

    /**
     * The global factory, or one that fails with its exception. Never throws:
     * Arrow loads this class by name, and an initialiser that threw would show
     * as an {@link ExceptionInInitializerError} once and a
     * {@link NoClassDefFoundError} on every later root allocator.
     */
    private static AllocationManager.Factory globalOrFailing() {
        try {
            return RtMallocAllocationManager.factory();
        } catch (IllegalStateException e) {
            return new Failing(e.getMessage(), e.getCause());
        }
    }

    /**
     * Stands in for the global factory when it cannot be built. Arrow's root
     * allocator asks its factory for the empty buffer as it is constructed, so
     * each {@code new RootAllocator()} throws here.
     */
    private static final class Failing implements AllocationManager.Factory {
        private final String message;
        private final Throwable cause;

        Failing(String message, Throwable cause) {
            this.message = message;
            this.cause = cause;
        }

        @Override
        public AllocationManager create(BufferAllocator accountingAllocator, long size) {
            throw failure();
        }

        @Override
        public ArrowBuf empty() {
            throw failure();
        }

        /** A new exception for each call (with the caller's stack), the same message and cause each time. */
        private IllegalStateException failure() {
            return new IllegalStateException(message, cause);
        }
    }
}
