package io.rtmalloc.percpu;

import io.rtmalloc.AllocatorStats;
import io.rtmalloc.SizeClassStats;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-CPU front end's counters, kept only with {@code -Drtmalloc.stats=true}:
 * run by its own surefire execution.
 */
class PerCpuStatsTest {

    @BeforeAll
    static void runsWithStatsOn() {
        assertTrue(Boolean.getBoolean("rtmalloc.stats"), "this suite must run with -Drtmalloc.stats=true");
    }

    @Test
    void counters_countHitsMissesRefillsFlushes_andReportCpuCacheBytes() {
        PerCpuStack a = PerCpuTest.allocator();
        int cl = a.config().sizeClasses().classOf(64);
        // More blocks than all CPU caches together may hold of the class: the frees overflow one
        // even when they spread over several (the thread migrated, or a CAS lost to the
        // background release moved its CPU's calls to the next cache).
        int n = a.caches().cacheCount() * a.capacity(cl) + 1;
        List<Long> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            held.add(a.malloc(64));
        }
        held.forEach(a::free);
        AllocatorStats st = a.stats();
        SizeClassStats c = st.sizeClasses().get(cl - 1);
        // A lost race (another thread on the same CPU number) bypasses the cache and counts as neither.
        assertEquals(n, c.hits() + c.misses() + a.lostRaces());
        assertTrue(c.misses() > 0, "an empty cache missed");
        assertEquals(c.misses(), c.refills(), "each miss refills once");
        assertTrue(c.flushes() > 0, n + " blocks overflow one of " + a.caches().cacheCount()
                + " CPU stacks of at most " + a.capacity(cl));
        assertTrue(st.frontEndDetails().containsKey("lost ownership races"), st.frontEndDetails().toString());
        long perCpu = st.frontEndDetails().entrySet().stream()
                .filter(e -> e.getKey().endsWith("cache bytes")).mapToLong(e -> e.getValue()).sum();
        assertEquals(st.frontEndCacheBytes(), perCpu, "bytes per CPU cache add up to the front-end bytes");
        assertTrue(st.toString().contains("cache bytes"), st.toString());
        a.releaseFreeMemory();
        PerCpuTest.assertBalanced(a);
    }
}
