package io.rtmalloc.threadcache;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndSupport;

import java.lang.ref.Cleaner;

/**
 * The per-thread front end: small blocks come from and go to the calling
 * platform thread's {@link ThreadCache}; virtual threads and large blocks go
 * to the central tier and the page heap.
 *
 * <p>The fast paths ({@link #malloc}, {@link #free(long)}) take one
 * {@link ThreadLocal} lookup, one size-class (or page-map) lookup and a pop or
 * push on an intrusive list: no lock, no atomic, no allocation. Refill, flush
 * and scavenging are separate methods of {@link ThreadCache}.
 */
final class ThreadCacheAllocator extends FrontEndSupport {

    static final String NAME = "threadcache";

    /** One cleaner thread for every allocator of this module. */
    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * What a thread's {@link ThreadLocal} holds: the key whose unreachability
     * (when the thread has died) lets the cleaner give the cache back. The
     * budget holds the cache, never the handle.
     */
    static final class Handle {
        final ThreadCache cache;

        Handle(ThreadCache cache) {
            this.cache = cache;
        }
    }

    private final ThreadCacheBudget budget;
    private final ThreadLocal<Handle> local = ThreadLocal.withInitial(this::newHandle);

    ThreadCacheAllocator(Config config, CentralCache central) {
        super(NAME, config, central);
        this.budget = new ThreadCacheBudget(config);
    }

    private Handle newHandle() {
        ThreadCache cache = new ThreadCache(config, central, budget, Thread.currentThread(), STATS);
        budget.register(cache);
        Handle handle = new Handle(cache);
        ThreadCacheBudget b = budget;
        CLEANER.register(handle, () -> b.retire(cache));
        return handle;
    }

    /** The calling thread's cache; platform threads only. */
    ThreadCache cache() {
        return local.get().cache;
    }

    @Override
    public long malloc(long size) {
        if (size >= 0 && size <= maxSmall) {
            int cl = classes.classOf(size);
            countMalloc(size, cl);
            if (!Thread.currentThread().isVirtual()) {
                return local.get().cache.allocate(cl);
            }
            return central.allocate(cl);
        }
        return mallocNotSmall(size);
    }

    @Override
    public void free(long address) {
        int cl = heap.sizeClassOf(address);
        if (cl != 0 && (address & 7) == 0) {
            if (CHECKED) {
                blockClass(address);
            }
            freeSmall(cl, address);
            return;
        }
        freeNotSmall(address);
    }

    @Override
    protected void freeSmall(int cl, long address) {
        countFree(cl);
        if (!Thread.currentThread().isVirtual()) {
            local.get().cache.free(cl, address);
        } else {
            central.free(cl, address);
        }
    }

    @Override
    public void flushThreadCache() {
        ensureOpen();
        if (!Thread.currentThread().isVirtual()) {
            local.get().cache.flushAll();
        }
    }

    @Override
    public Allocator threadBound() {
        ensureOpen();
        if (Thread.currentThread().isVirtual()) {
            return super.threadBound(); // virtual threads own no cache: a checked view of this allocator
        }
        return new ThreadBoundCache(this, local.get());
    }

    /** Every thread's cache forgets its blocks; no new cache registers. */
    @Override
    protected void closeCaches() {
        budget.close();
    }

    @Override
    protected long[] frontEndCachedBlocks() {
        return budget.cachedBlocks(classes.count());
    }

    @Override
    protected long[] frontEndCounters() {
        return STATS ? budget.counters(classes.count()) : null;
    }

    @Override
    public void checkInvariants() {
        budget.checkInvariants();
        if (!Thread.currentThread().isVirtual()) {
            cache().checkInvariants();
        }
        super.checkInvariants();
    }

    ThreadCacheBudget budget() {
        return budget;
    }

    // Used by ThreadBoundCache, which has the cache in hand.
    int classOf(long size) {
        return classes.classOf(size);
    }

    long maxSmall() {
        return maxSmall;
    }

    int pageClassOf(long address) {
        return heap.sizeClassOf(address);
    }

    int checkedSizedFreeClass(long address, long size) {
        return sizedFreeClass(address, size);
    }

    void checkBlock(long address) {
        if (CHECKED) {
            blockClass(address);
        }
    }

    /** For {@link ThreadBoundCache}: {@code countMalloc} and {@code countFree}. */
    void noteMalloc(long size, int cl) {
        countMalloc(size, cl);
    }

    void noteFree(int cl) {
        countFree(cl);
    }

    void checkOpen() {
        ensureOpen();
    }

    long mallocSlow(long size) {
        return mallocNotSmall(size);
    }

    void freeSlow(long address) {
        freeNotSmall(address);
    }

    void freeLargeBlock(long address) {
        freeLarge(address);
    }
}
