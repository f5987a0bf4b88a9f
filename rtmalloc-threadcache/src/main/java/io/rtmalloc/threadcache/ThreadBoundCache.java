package io.rtmalloc.threadcache;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@link Allocator#threadBound()} of the per-thread front end: the thread's
 * cache held in a field, so {@code malloc} and {@code free} skip the
 * {@link ThreadLocal} lookup; each call checks that it comes from the owner
 * thread (one compare) and throws {@link WrongThreadException} otherwise.
 */
final class ThreadBoundCache implements Allocator {

    private final ThreadCacheAllocator parent;
    private final ThreadCache cache;
    /** Keeps the thread's handle (and so its cache) registered while the view lives. */
    private final ThreadCacheAllocator.Handle handle;
    private final Thread owner = Thread.currentThread();
    private final long maxSmall;

    ThreadBoundCache(ThreadCacheAllocator parent, ThreadCacheAllocator.Handle handle) {
        this.parent = parent;
        this.handle = handle;
        this.cache = handle.cache;
        this.maxSmall = parent.maxSmall();
    }

    private void check() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("this allocator view is bound to " + owner);
        }
    }

    @Override
    public long malloc(long size) {
        check();
        if (size >= 0 && size <= maxSmall) {
            int cl = parent.classOf(size);
            parent.noteMalloc(size, cl);
            return cache.allocate(cl);
        }
        return parent.mallocSlow(size);
    }

    @Override
    public void free(long address) {
        check();
        int cl = parent.pageClassOf(address);
        if (cl != 0 && (address & 7) == 0) {
            parent.checkBlock(address);
            parent.noteFree(cl);
            cache.free(cl, address);
            return;
        }
        parent.freeSlow(address);
    }

    @Override
    public void free(long address, long size) {
        check();
        if (address == 0) {
            return;
        }
        if (size >= 0 && size <= maxSmall) {
            int cl = parent.checkedSizedFreeClass(address, size);
            parent.noteFree(cl);
            cache.free(cl, address);
            return;
        }
        parent.free(address, size);
    }

    @Override public long calloc(long count, long size) { check(); return parent.calloc(count, size); }
    @Override public long realloc(long address, long newSize) { check(); return parent.realloc(address, newSize); }
    @Override public long alignedAlloc(long alignment, long size) { check(); return parent.alignedAlloc(alignment, size); }
    @Override public long usableSize(long address) { check(); return parent.usableSize(address); }
    @Override public MemorySegment allocate(long byteSize, long byteAlignment) { check(); return parent.allocate(byteSize, byteAlignment); }
    @Override public void free(MemorySegment segment) { check(); parent.free(segment); }
    @Override public Arena newArena() { check(); return parent.newArena(); }
    @Override public AllocatorStats stats() { return parent.stats(); }
    @Override public long releaseFreeMemory() { check(); return parent.releaseFreeMemory(); }
    @Override public void flushThreadCache() { check(); parent.checkOpen(); cache.flushAll(); }
    @Override public Allocator threadBound() { check(); parent.checkOpen(); return this; }
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
