package io.rtmalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A confined arena whose segments are blocks of an {@link Allocator}: closing it
 * frees them all, and the JDK's confined session makes every access after close
 * (or from another thread) throw. While it is open, its allocator refuses to
 * close.
 */
final class AllocatorArena implements Arena {

    private final Arena session = Arena.ofConfined();
    private final RtAllocator allocator;

    AllocatorArena(RtAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        RtAllocator.checkSegmentArguments(byteSize, byteAlignment);
        if (!session.scope().isAlive()) {
            throw new IllegalStateException("Already closed");
        }
        long address = allocator.alignedAlloc(byteAlignment, byteSize);
        try {
            return MemorySegment.ofAddress(address).reinterpret(byteSize, session, ignored -> allocator.free(address));
        } catch (RuntimeException | Error e) {
            allocator.free(address); // wrong thread, or closed meanwhile: the block never escapes
            throw e;
        }
    }

    @Override
    public MemorySegment.Scope scope() {
        return session.scope();
    }

    @Override
    public void close() {
        session.close(); // frees every segment; throws, changing nothing, from another thread or when closed
        allocator.arenaClosed();
    }

    @Override
    public String toString() {
        return "Arena[" + allocator + "]";
    }
}
