package io.rtmalloc.percpu;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CpuCaches;
import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.Stacks;

/**
 * An allocator over the per-CPU front end with the tiers below real, and the
 * front end itself in reach of the tests.
 */
final class PerCpuStack {

    final Allocator allocator;
    final PerCpuFrontEnd frontEnd;

    PerCpuStack(Config config) {
        PerCpuFrontEnd[] made = new PerCpuFrontEnd[1];
        this.allocator = Stacks.builder(new FrontEndProvider() {
            @Override
            public String name() {
                return PerCpuFrontEnd.NAME;
            }

            @Override
            public FrontEnd create(Config c, CentralCache central) {
                return made[0] = new PerCpuFrontEnd(c, central);
            }
        }, null, null).config(config).build();
        this.frontEnd = made[0];
    }

    long malloc(long size) { return allocator.malloc(size); }
    void free(long address) { allocator.free(address); }
    void free(long address, long size) { allocator.free(address, size); }
    void checkInvariants() { allocator.checkInvariants(); }
    AllocatorStats stats() { return allocator.stats(); }
    Config config() { return allocator.config(); }
    long releaseFreeMemory() { return allocator.releaseFreeMemory(); }
    int capacity(int cl) { return frontEnd.caches().maxCapacity(cl); }
    long lostRaces() { return frontEnd.caches().lostRaces(); }
    CpuCaches caches() { return frontEnd.caches(); }
}
