package io.rtmalloc.percpu;

import io.rtmalloc.Config;
import io.rtmalloc.spi.CacheCounters;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CpuCaches;
import io.rtmalloc.spi.FrontEnd;

import java.util.Map;

/**
 * The per-CPU front end: small blocks come from and go to the cache of the
 * logical CPU the calling thread runs on ({@link CpuCaches}), whichever thread
 * that is, platform or virtual; large blocks go to the page heap.
 *
 * <p>Memory in front-end caches is bounded by the number of CPU caches times
 * {@code per_cpu_cache_size}, whatever the number of threads; within a CPU's
 * budget, capacity moves to the classes that miss.
 */
final class PerCpuFrontEnd implements FrontEnd {

    static final String NAME = "percpu";

    private final CpuCaches caches;

    PerCpuFrontEnd(Config config, CentralCache central) {
        this.caches = new CpuCaches(config, central);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long allocate(int cl) {
        return caches.allocate(cl);
    }

    @Override
    public void free(int cl, long address) {
        caches.free(cl, address);
    }

    /** The CPU caches: a thread holds no per-CPU cache in hand, since it may move to another CPU between calls. */
    @Override
    public Cache cache() {
        return caches;
    }

    /** Nothing belongs to the calling thread. */
    @Override
    public void flushCurrentThread() {
    }

    /** Empties every CPU cache, each taken through its owner word. */
    @Override
    public void drain() {
        caches.drain();
    }

    /** See {@link CpuCaches#scavenge}. */
    @Override
    public void scavenge(boolean all) {
        caches.scavenge(all);
    }

    @Override
    public void forgetAll() {
        caches.forgetAll();
    }

    @Override
    public long[] cachedBlocks() {
        return caches.cachedBlocks();
    }

    @Override
    public CacheCounters counters() {
        return caches.counters();
    }

    @Override
    public Map<String, Long> details() {
        return caches.details();
    }

    CpuCaches caches() {
        return caches;
    }

    @Override
    public void checkInvariants() {
        caches.checkInvariants();
    }
}
