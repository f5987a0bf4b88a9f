package io.rtmalloc.internal;

import io.rtmalloc.AllocationHistogram;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.spi.FrontEnd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@link Allocator#threadBound()}, for every front end: the allocator's calls
 * with the owner thread's front-end cache held in hand, so that
 * {@code malloc} and {@code free} skip the cache lookup. Every call but the
 * read-only ones checks that it comes from the owner (one compare) and throws
 * {@link WrongThreadException} otherwise.
 */
final class BoundAllocator implements Allocator {

    private final RtAllocator parent;
    private final FrontEnd.Cache cache;
    private final Thread owner = Thread.currentThread();

    BoundAllocator(RtAllocator parent, FrontEnd.Cache cache) {
        this.parent = parent;
        this.cache = cache;
    }

    private void check() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("this allocator view is bound to " + owner);
        }
    }

    @Override
    public long malloc(long size) {
        check();
        return parent.malloc(size, cache);
    }

    @Override
    public void free(long address) {
        check();
        parent.free(address, cache);
    }

    @Override
    public void free(long address, long size) {
        check();
        parent.free(address, size, cache);
    }

    @Override public long calloc(long count, long size) { check(); return parent.calloc(count, size); }
    @Override public long realloc(long address, long newSize) { check(); return parent.realloc(address, newSize); }
    @Override public long alignedAlloc(long alignment, long size) { check(); return parent.alignedAlloc(alignment, size); }
    @Override public long usableSize(long address) { check(); return parent.usableSize(address); }
    @Override public MemorySegment allocate(long byteSize, long byteAlignment) { check(); return parent.allocate(byteSize, byteAlignment); }
    @Override public void free(MemorySegment segment) { check(); parent.free(segment); }
    @Override public Arena newArena() { check(); return parent.newArena(cache, true); }
    @Override public Arena newArena(boolean zeroed) { check(); return parent.newArena(cache, zeroed); }
    @Override public Arena newSharedArena() { check(); return parent.newSharedArena(); }
    @Override public Arena newSharedArena(boolean zeroed) { check(); return parent.newSharedArena(zeroed); }
    @Override public AllocatorStats stats() { return parent.stats(); }
    @Override public long releaseFreeMemory() { check(); return parent.releaseFreeMemory(); }
    @Override public void flushThreadCache() { check(); parent.flushThreadCache(); }
    @Override public void setMemoryLimits(long soft, long hard) { parent.setMemoryLimits(soft, hard); }
    @Override public Allocator threadBound() { check(); parent.ensureOpen(); return this; }
    @Override public AllocationHistogram histogram() { return parent.histogram(); }
    @Override public String frontEnd() { return parent.frontEnd(); }
    @Override public Config config() { return parent.config(); }
    @Override public void checkInvariants() { check(); parent.checkInvariants(); }

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
