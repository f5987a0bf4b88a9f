package io.rtmalloc.netty;

import io.netty.util.concurrent.FastThreadLocal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Direct {@link ByteBuffer}s over rtmalloc blocks, one per Netty buffer (Netty's
 * unpooled buffers hold their memory as a {@code ByteBuffer}). Making one costs
 * about what the block itself costs (a {@code DirectByteBuffer} and the
 * segment it is made from), so each platform thread keeps the views it made
 * last, by block address, and hands one out again when the thread gets the same
 * block for a buffer of the same size: rtmalloc's caches give back the blocks
 * freed last first, so a thread that allocates and releases buffers of a few
 * sizes finds its views again.
 *
 * <p>Why reuse is safe: a view is reused only at its exact size, so it never
 * reaches beyond the block it is handed out with, and it is reset
 * ({@code clear()}) each time. It is reused only when its block is allocated
 * again, that is after the buffer that held it released the block (or moved
 * to a larger one), so no live buffer still holds it. A view is only an
 * address and a size; it does not belong to an allocator.
 *
 * <p>Virtual threads keep no views (there may be millions of them): they make
 * a new one each time.
 */
final class BlockViews {

    private static final int SLOTS = 64;

    private static final FastThreadLocal<BlockViews> VIEWS = new FastThreadLocal<>() {
        @Override
        protected BlockViews initialValue() {
            return new BlockViews();
        }
    };

    /** INVARIANT: views[i] is null or a view of addresses[i], of its own capacity. */
    private final long[] addresses = new long[SLOTS];
    private final ByteBuffer[] views = new ByteBuffer[SLOTS];

    private BlockViews() {
    }

    /** A direct buffer over the {@code size} bytes at {@code address}, position 0, limit {@code size}, big-endian. */
    static ByteBuffer of(long address, int size) {
        if (Thread.currentThread().isVirtual()) {
            return make(address, size);
        }
        return VIEWS.get().view(address, size);
    }

    private ByteBuffer view(long address, int size) {
        int i = (int) (address >>> 4) & (SLOTS - 1);
        ByteBuffer v = views[i];
        if (v != null && addresses[i] == address && v.capacity() == size) {
            v.clear();
            return v;
        }
        v = make(address, size);
        addresses[i] = address;
        views[i] = v;
        return v;
    }

    private static ByteBuffer make(long address, int size) {
        return MemorySegment.ofAddress(address).reinterpret(size).asByteBuffer();
    }
}
