package io.rtmalloc.spi;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@link Allocator#threadBound()} for front ends without per-thread state: the
 * same allocator, with every call checked to come from the thread that made
 * the view. Front ends with thread caches return a faster view of their own.
 */
final class ThreadBoundView implements Allocator {

    private final Allocator parent;
    private final Thread owner = Thread.currentThread();

    ThreadBoundView(Allocator parent) {
        this.parent = parent;
    }

    private void check() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("this allocator view is bound to " + owner);
        }
    }

    @Override public long malloc(long size) { check(); return parent.malloc(size); }
    @Override public long calloc(long count, long size) { check(); return parent.calloc(count, size); }
    @Override public long realloc(long address, long newSize) { check(); return parent.realloc(address, newSize); }
    @Override public long alignedAlloc(long alignment, long size) { check(); return parent.alignedAlloc(alignment, size); }
    @Override public void free(long address) { check(); parent.free(address); }
    @Override public void free(long address, long size) { check(); parent.free(address, size); }
    @Override public long usableSize(long address) { check(); return parent.usableSize(address); }
    @Override public MemorySegment allocate(long byteSize, long byteAlignment) { check(); return parent.allocate(byteSize, byteAlignment); }
    @Override public void free(MemorySegment segment) { check(); parent.free(segment); }
    @Override public Arena newArena() { check(); return parent.newArena(); }
    @Override public AllocatorStats stats() { return parent.stats(); }
    @Override public long releaseFreeMemory() { return parent.releaseFreeMemory(); }
    @Override public void flushThreadCache() { check(); parent.flushThreadCache(); }
    @Override public Allocator threadBound() { check(); return this; }
    @Override public io.rtmalloc.AllocationHistogram histogram() { return parent.histogram(); }
    @Override public String frontEnd() { return parent.frontEnd(); }
    @Override public Config config() { return parent.config(); }

    /** A view does not own the allocator's memory. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("a thread-bound view does not own its memory: close " + parent);
    }

    @Override
    public String toString() {
        return parent + " bound to " + owner.getName();
    }
}
