package io.rtmalloc.threadcache;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.Stacks;

/**
 * An allocator over the per-thread front end with the tiers below real, and
 * the front end itself in reach of the tests.
 */
final class ThreadCacheStack {

    final Allocator allocator;
    final ThreadCacheFrontEnd frontEnd;

    ThreadCacheStack(Config config) {
        ThreadCacheFrontEnd[] made = new ThreadCacheFrontEnd[1];
        this.allocator = Stacks.builder(new FrontEndProvider() {
            @Override
            public String name() {
                return ThreadCacheFrontEnd.NAME;
            }

            @Override
            public FrontEnd create(Config c, CentralCache central) {
                return made[0] = new ThreadCacheFrontEnd(c, central);
            }
        }, null, null).config(config).build();
        this.frontEnd = made[0];
    }

    long malloc(long size) { return allocator.malloc(size); }
    void free(long address) { allocator.free(address); }
    void free(long address, long size) { allocator.free(address, size); }
    void flushThreadCache() { allocator.flushThreadCache(); }
    void checkInvariants() { allocator.checkInvariants(); }
    AllocatorStats stats() { return allocator.stats(); }
    Config config() { return allocator.config(); }
    Allocator threadBound() { return allocator.threadBound(); }
    long releaseFreeMemory() { return allocator.releaseFreeMemory(); }
    void close() { allocator.close(); }

    /** The calling thread's cache. */
    ThreadCache cache() { return frontEnd.platformCache(); }

    ThreadCacheBudget budget() { return frontEnd.budget(); }
}
