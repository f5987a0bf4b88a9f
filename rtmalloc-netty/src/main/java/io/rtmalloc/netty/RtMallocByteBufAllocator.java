package io.rtmalloc.netty;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Netty {@code ByteBufAllocator} whose direct buffers are blocks of an
 * rtmalloc {@link Allocator}: a buffer takes its block when made, moves to a
 * new block when {@code capacity(n)} changes its size, and frees it on its
 * last {@code release()}, from any thread. Heap buffers are Netty's unpooled
 * heap buffers. See the package documentation for how the buffers hold their
 * blocks.
 *
 * <p>{@link #isDirectBufferPooled()} is true: a direct buffer costs about what
 * a pooled one does, so Netty's transports allocate direct I/O buffers from it
 * rather than copying through heap buffers.
 */
public final class RtMallocByteBufAllocator extends AbstractByteBufAllocator implements ByteBufAllocatorMetricProvider {


    private final Allocator allocator;
    private final boolean preferDirect;
    private final boolean disableLeakDetector;
    /**
     * Bytes of live heap buffers (their arrays' lengths). Direct buffers have no such counter:
     * an atomic add on every allocation and release would cost more than the block itself,
     * and rtmalloc's own accounts already say how much is in use.
     */
    private final LongAdder heapBytes = new LongAdder();
    private final RtMallocByteBufAllocatorMetric metric = new RtMallocByteBufAllocatorMetric(this);

    /**
     * Direct buffers by default, tracked by Netty's leak detector.
     *
     * @param allocator where direct buffers' blocks come from; any thread may release a
     *                  buffer, so not a {@link Allocator#threadBound()} view
     */
    public RtMallocByteBufAllocator(Allocator allocator) {
        this(allocator, true, false);
    }

    /**
     * An allocator whose direct buffers come from {@code allocator}.
     *
     * @param allocator           where direct buffers' blocks come from; any thread may release a
     *                            buffer, so not a {@link Allocator#threadBound()} view
     * @param preferDirect        whether {@code buffer()} gives direct buffers (else heap ones)
     * @param disableLeakDetector whether buffers skip Netty's {@code ResourceLeakDetector}
     */
    public RtMallocByteBufAllocator(Allocator allocator, boolean preferDirect, boolean disableLeakDetector) {
        super(preferDirect);
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        this.preferDirect = preferDirect;
        this.disableLeakDetector = disableLeakDetector;
    }

    /**
     * The allocator over {@link RtMalloc#global()}, preferring direct buffers, made when first
     * asked for; every later call returns the same instance.
     *
     * @return the allocator over {@link RtMalloc#global()}
     * @throws IllegalStateException on every call, with the same message and cause as
     *         {@link RtMalloc#global()}, when that cannot be built (a bad setting)
     */
    public static RtMallocByteBufAllocator global() {
        // One read of a constant once the holder is initialised: the branch folds away.
        RtMallocByteBufAllocator a = Global.INSTANCE;
        if (a != null) {
            return a;
        }
        throw Global.failure();
    }

    /**
     * The rtmalloc allocator the direct buffers come from.
     *
     * @return the allocator this one's direct buffers take their blocks from
     */
    public Allocator allocator() {
        return allocator;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        long address = allocator.malloc(initialCapacity);
        ByteBuf buf;
        try {
            ByteBuffer block = BlockViews.of(address, initialCapacity);
            buf = new RtMallocDirectByteBuf(this, block, address, maxCapacity);
        } catch (Throwable t) {
            give(address, initialCapacity);
            throw t;
        }
        return disableLeakDetector ? buf : toLeakAwareBuffer(buf);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = new RtMallocHeapByteBuf(this, initialCapacity, maxCapacity);
        return disableLeakDetector ? buf : toLeakAwareBuffer(buf);
    }

    /** Direct when the allocator prefers direct buffers: rtmalloc always frees them at once. */
    @Override
    public ByteBuf buffer() {
        return preferDirect ? directBuffer() : heapBuffer();
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return preferDirect ? directBuffer(initialCapacity) : heapBuffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return preferDirect ? directBuffer(initialCapacity, maxCapacity) : heapBuffer(initialCapacity, maxCapacity);
    }

    /** True: direct buffers are as cheap as a pool's, so Netty may use them for I/O freely. */
    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    @Override
    public ByteBufAllocatorMetric metric() {
        return metric;
    }

    long usedDirectMemory() {
        return allocator.stats().bytesInUse();
    }

    long usedHeapMemory() {
        return heapBytes.sum();
    }

    /** A direct buffer of exactly {@code size} bytes over a new block. */
    ByteBuffer take(int size) {
        return BlockViews.of(allocator.malloc(size), size);
    }

    /** Frees the block under a buffer {@link #take} returned (its capacity is the size asked for). */
    void give(ByteBuffer block) {
        give(java.lang.foreign.MemorySegment.ofBuffer(block).address(), block.capacity());
    }

    /** Frees the block at {@code address} of {@code size} bytes, the size it was taken with. */
    void give(long address, int size) {
        allocator.free(address, size);
    }

    void heapAllocated(int bytes) {
        heapBytes.add(bytes);
    }

    @Override
    public String toString() {
        return "RtMallocByteBufAllocator(" + allocator.frontEnd() + ", directByDefault: " + preferDirect + ")";
    }

    /**
     * Holds the allocator over the process-wide rtmalloc allocator, built on first use, or why it
     * could not be built. Its initialiser never throws, so that a bad setting is the clear
     * exception of {@link RtMalloc#global()} on every call of {@link #global()} rather than an
     * {@link ExceptionInInitializerError} once and a {@link NoClassDefFoundError} ever after.
     */
    private static final class Global {
        /** The allocator; null when {@link RtMalloc#global()} could not be built. */
        static final RtMallocByteBufAllocator INSTANCE;
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
            INSTANCE = global != null ? new RtMallocByteBufAllocator(global) : null;
            FAILURE_MESSAGE = message;
            FAILURE_CAUSE = cause;
        }

        /** A new exception for each call (with the caller's stack), the same message and cause each time. */
        static IllegalStateException failure() {
            return new IllegalStateException(FAILURE_MESSAGE, FAILURE_CAUSE);
        }
    }
}
