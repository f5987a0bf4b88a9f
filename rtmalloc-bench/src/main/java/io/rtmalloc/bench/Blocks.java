package io.rtmalloc.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.rtmalloc.Allocator;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Blocks of one allocator, held in numbered slots by the workload that owns
 * them: the one shape every allocator under test is driven through, whether it
 * hands out addresses ({@code malloc}), {@code ByteBuf}s (Netty) or segments
 * (an {@code Arena}). A benchmark JVM creates blocks of one allocator only, so
 * these calls compile to direct calls of that allocator.
 *
 * <p>Not thread-safe: a slot is used by one thread at a time (the bounded
 * queue of {@link ProducerConsumer} hands slots over with release/acquire).
 */
abstract class Blocks {

    /**
     * Empty slots before and after the used ones in every slot array (128 bytes
     * of references or addresses): the slots are written on every call, and the
     * arrays of two threads, which the garbage collector may copy next to each
     * other, must not share a cache line or an adjacent-line prefetch pair, or
     * every allocator would be measured with false sharing that varies by fork.
     */
    static final int PAD = 16;

    /** One {@code malloc} of {@code size} bytes and the {@code free} of that block. */
    abstract long pair(long size);

    /** Allocates {@code size} bytes into the empty {@code slot}; returns a value to consume. */
    abstract long alloc(int slot, long size);

    /** Frees the block in {@code slot}, which becomes empty. */
    abstract void free(int slot);

    /** Resizes the block in {@code slot} from {@code oldSize} to {@code newSize} bytes, keeping its contents. */
    abstract long realloc(int slot, long oldSize, long newSize);

    /** Whether {@code slot} holds a block. */
    abstract boolean holds(int slot);

    /** The number of slots. */
    abstract int slots();

    /** The address of the block in {@code slot} (for the footprint: which mappings hold the blocks). */
    abstract long address(int slot);

    /** Frees every block still held. */
    final void freeAll() {
        for (int i = 0, n = slots(); i < n; i++) {
            if (holds(i)) {
                free(i);
            }
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /** Blocks named by their address; subclasses call one allocator's malloc, free and realloc. */
    abstract static class Addresses extends Blocks {
        final long[] blocks;

        Addresses(int n) {
            blocks = new long[n + 2 * PAD];
        }

        abstract long malloc(long size);

        abstract void free(long address);

        abstract long realloc(long address, long size);

        /** A sized free, where the allocator has one. */
        void freeSized(long address, long size) {
            throw new UnsupportedOperationException("no sized free");
        }

        @Override
        final long pair(long size) {
            long p = malloc(size);
            free(p);
            return p;
        }

        /** One {@code malloc} of {@code size} bytes and the sized free of that block. */
        final long pairSized(long size) {
            long p = malloc(size);
            freeSized(p, size);
            return p;
        }

        @Override
        final long alloc(int slot, long size) {
            return blocks[slot + PAD] = malloc(size);
        }

        @Override
        final void free(int slot) {
            free(blocks[slot + PAD]);
            blocks[slot + PAD] = 0;
        }

        @Override
        final long realloc(int slot, long oldSize, long newSize) {
            return blocks[slot + PAD] = realloc(blocks[slot + PAD], newSize);
        }

        @Override
        final boolean holds(int slot) {
            return blocks[slot + PAD] != 0;
        }

        @Override
        final int slots() {
            return blocks.length - 2 * PAD;
        }

        @Override
        final long address(int slot) {
            return blocks[slot + PAD];
        }
    }

    /** An rtmalloc {@link Allocator} (or its thread-bound view). */
    static final class Rt extends Addresses {
        private final Allocator a;

        Rt(Allocator a, int n) {
            super(n);
            this.a = a;
        }

        @Override
        long malloc(long size) {
            return a.malloc(size);
        }

        @Override
        void free(long address) {
            a.free(address);
        }

        @Override
        void freeSized(long address, long size) {
            a.free(address, size);
        }

        @Override
        long realloc(long address, long size) {
            return a.realloc(address, size);
        }
    }

    /**
     * Netty direct buffers: {@code directBuffer(size)}, {@code release()}; a
     * resize is {@code capacity(newSize)} of a buffer written to its end, so
     * that Netty copies the whole old content as {@code realloc} does.
     */
    static final class Netty extends Blocks {
        private final ByteBufAllocator alloc;
        private final ByteBuf[] blocks;

        Netty(ByteBufAllocator alloc, int n) {
            this.alloc = alloc;
            this.blocks = new ByteBuf[n + 2 * PAD];
        }

        @Override
        long pair(long size) {
            ByteBuf b = alloc.directBuffer((int) size);
            int c = b.capacity();
            b.release();
            return c;
        }

        @Override
        long alloc(int slot, long size) {
            ByteBuf b = alloc.directBuffer((int) size);
            blocks[slot + PAD] = b;
            return b.capacity();
        }

        @Override
        void free(int slot) {
            blocks[slot + PAD].release();
            blocks[slot + PAD] = null;
        }

        @Override
        long realloc(int slot, long oldSize, long newSize) {
            ByteBuf b = blocks[slot + PAD];
            b.writerIndex(b.capacity());
            b.capacity((int) newSize);
            return b.capacity();
        }

        @Override
        boolean holds(int slot) {
            return blocks[slot + PAD] != null;
        }

        @Override
        int slots() {
            return blocks.length - 2 * PAD;
        }

        @Override
        long address(int slot) {
            ByteBuf b = blocks[slot + PAD];
            return b.hasMemoryAddress() ? b.memoryAddress()
                    : MemorySegment.ofBuffer(b.internalNioBuffer(0, 1)).address();
        }
    }

    /**
     * The JDK's way: each block is a segment of its own arena ({@code Arena.ofConfined()},
     * or {@code ofShared()} where another thread frees it), freed by closing the arena. The
     * JDK zeroes each segment; a resize allocates in a new arena, copies and closes the old.
     */
    static final class Arenas extends Blocks {
        private final boolean shared;
        private final Arena[] arenas;
        private final MemorySegment[] segments;

        Arenas(boolean shared, int n) {
            this.shared = shared;
            this.arenas = new Arena[n + 2 * PAD];
            this.segments = new MemorySegment[n + 2 * PAD];
        }

        static Arenas confined(int n) {
            return new Arenas(false, n);
        }

        static Arenas shared(int n) {
            return new Arenas(true, n);
        }

        private Arena arena() {
            return shared ? Arena.ofShared() : Arena.ofConfined();
        }

        @Override
        long pair(long size) {
            try (Arena arena = arena()) {
                return arena.allocate(size).address();
            }
        }

        @Override
        long alloc(int slot, long size) {
            Arena arena = arena();
            arenas[slot + PAD] = arena;
            MemorySegment s = arena.allocate(size);
            segments[slot + PAD] = s;
            return s.address();
        }

        @Override
        void free(int slot) {
            arenas[slot + PAD].close();
            arenas[slot + PAD] = null;
            segments[slot + PAD] = null;
        }

        @Override
        long realloc(int slot, long oldSize, long newSize) {
            Arena arena = arena();
            MemorySegment s = arena.allocate(newSize);
            MemorySegment.copy(segments[slot + PAD], 0, s, 0, Math.min(oldSize, newSize));
            arenas[slot + PAD].close();
            arenas[slot + PAD] = arena;
            segments[slot + PAD] = s;
            return s.address();
        }

        @Override
        boolean holds(int slot) {
            return arenas[slot + PAD] != null;
        }

        @Override
        int slots() {
            return arenas.length - 2 * PAD;
        }

        @Override
        long address(int slot) {
            return segments[slot + PAD].address();
        }
    }

    /** {@code ByteBuffer.allocateDirect}: zeroed, freed only when the garbage collector finds it unreachable. */
    static final class DirectByteBuffers extends Blocks {
        private final ByteBuffer[] blocks;

        DirectByteBuffers(int n) {
            blocks = new ByteBuffer[n + 2 * PAD];
        }

        @Override
        long pair(long size) {
            return ByteBuffer.allocateDirect((int) size).capacity();
        }

        @Override
        long alloc(int slot, long size) {
            ByteBuffer b = ByteBuffer.allocateDirect((int) size);
            blocks[slot + PAD] = b;
            return b.capacity();
        }

        @Override
        void free(int slot) {
            blocks[slot + PAD] = null;
        }

        @Override
        long realloc(int slot, long oldSize, long newSize) {
            ByteBuffer b = ByteBuffer.allocateDirect((int) newSize);
            b.put(0, blocks[slot + PAD], 0, (int) Math.min(oldSize, newSize));
            blocks[slot + PAD] = b;
            return b.capacity();
        }

        @Override
        boolean holds(int slot) {
            return blocks[slot + PAD] != null;
        }

        @Override
        int slots() {
            return blocks.length - 2 * PAD;
        }

        @Override
        long address(int slot) {
            return MemorySegment.ofBuffer(blocks[slot + PAD]).address();
        }
    }
}
