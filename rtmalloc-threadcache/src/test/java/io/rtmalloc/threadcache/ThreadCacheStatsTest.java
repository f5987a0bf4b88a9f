package io.rtmalloc.threadcache;

import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClassStats;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-class counters of the thread caches, kept only with
 * {@code -Drtmalloc.stats=true}: run by its own surefire execution.
 */
class ThreadCacheStatsTest {

    @BeforeAll
    static void runsWithStatsOn() {
        assertTrue(Boolean.getBoolean("rtmalloc.stats"), "this suite must run with -Drtmalloc.stats=true");
    }

    @Test
    void counters_countHitsMissesRefillsAndFlushes() {
        // A list limit of 256 blocks, so that freeing the 1,000 blocks held overflows it.
        ThreadCacheStack a = ThreadCacheTest.allocator(Config.parse("[config]\nmax_free_list_length = 256\n"
                + ThreadCacheTest.classesOf(Config.defaults()), "<test>"));
        int cl = a.config().sizeClasses().classOf(64);
        List<Long> held = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            held.add(a.malloc(64));
        }
        held.forEach(a::free);
        for (int i = 0; i < 1000; i++) {
            a.free(a.malloc(64));
        }
        AllocatorStats st = a.stats();
        SizeClassStats c = st.sizeClasses().get(cl - 1);
        assertEquals(cl, c.sizeClass());
        assertEquals(2000, c.hits() + c.misses(), "every malloc is a hit or a miss");
        assertTrue(c.misses() > 0 && c.misses() < 100, "misses " + c.misses());
        assertEquals(c.misses(), c.refills(), "each miss refills once");
        assertTrue(c.flushes() > 0, "overflowing lists flushed batches");
        assertTrue(st.toString().contains("hits"), st.toString());
        ThreadCacheTest.assertBalanced(a);
    }
}
