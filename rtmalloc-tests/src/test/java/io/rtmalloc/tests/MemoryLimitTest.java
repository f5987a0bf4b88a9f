package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soft and hard limits on resident memory ({@code memory_limit},
 * {@code memory_limit_hard}, {@link Allocator#setMemoryLimits}), over every
 * front end, checked against the allocator's figures and the kernel's
 * {@code Rss}.
 */
class MemoryLimitTest extends FrontEndSuite {

    static final long MIB = 1 << 20;

    private static Config limits(long soft, long hard) {
        return Config.defaults().toBuilder().memoryLimit(soft).memoryLimitHard(hard).build();
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void softLimit_releasesFreePagesBeforeTakingNewOnes(String fe) {
        Allocator a = make(fe, limits(32 * MIB, 0));
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            long p = a.malloc(MIB);
            Smaps.touch(p, MIB);
            blocks.add(p);
        }
        for (int i = 0; i < 24; i += 2) {
            a.free(blocks.get(i)); // 12 holes of 1 MiB, touched: too short for what follows
        }
        List<Long> more = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long p = a.malloc(2 * MIB);
            Smaps.touch(p, 2 * MIB);
            more.add(p);
        }
        AllocatorStats st = a.stats();
        assertTrue(st.residentBytes() <= 32 * MIB + MIB, "resident " + st.residentBytes() + "\n" + st);
        assertTrue(st.release().softLimitHits() > 0, st::toString);
        assertTrue(st.release().limitBytes() >= 4 * MIB, st::toString);
        assertEquals(32 * MIB, st.release().softLimit());
        if (Smaps.available()) {
            long lo = Math.min(blocks.getFirst(), more.getFirst());
            long rss = Smaps.rss(lo & -(64 * MIB), st.mappedBytes() + (lo & -(64 * MIB)));
            assertTrue(rss <= 33 * MIB, "Rss " + rss);
        }
        // Past the soft limit with nothing left to release, allocations go on.
        long extra = a.malloc(8 * MIB);
        assertTrue(a.stats().residentBytes() > 32 * MIB);
        a.free(extra);
        for (int i = 1; i < 24; i += 2) {
            a.free(blocks.get(i));
        }
        more.forEach(a::free);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void softLimit_emptiesTheCachesBeforeALargeBlock(String fe) {
        Allocator a = make(fe, limits(16 * MIB, 0));
        List<Long> small = new ArrayList<>();
        for (int i = 0; i < 12 * 1024; i++) {
            small.add(a.malloc(1000));
        }
        small.forEach(a::free); // cached: front end, transfer caches, central spans
        long before = a.stats().residentBytes();
        long big = a.malloc(12 * MIB);
        AllocatorStats st = a.stats();
        assertTrue(st.residentBytes() <= 16 * MIB + MIB, "resident " + st.residentBytes() + " (was " + before
                + ")\n" + st);
        a.free(big);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void hardLimit_isOutOfMemory_andTheAllocatorStaysConsistentAndUsable(String fe) {
        Allocator a = make(fe, limits(0, 24 * MIB));
        List<Long> blocks = new ArrayList<>();
        OutOfMemoryError refused = null;
        for (int i = 0; i < 40 && refused == null; i++) {
            try {
                blocks.add(a.malloc(MIB));
            } catch (OutOfMemoryError e) {
                refused = e;
            }
        }
        assertTrue(refused != null, "no refusal after " + blocks.size() + " MiB");
        assertTrue(refused.getMessage().contains("memory_limit_hard"), refused.getMessage());
        assertTrue(blocks.size() >= 20, "refused too early: " + blocks.size());
        AllocatorStats st = a.stats();
        assertTrue(st.residentBytes() <= 24 * MIB, st::toString);
        assertTrue(st.release().hardLimitRefusals() > 0);
        a.checkInvariants();

        // Small blocks are refused too, once their spans would pass the limit.
        List<Long> small = new ArrayList<>();
        assertThrows(OutOfMemoryError.class, () -> {
            for (int i = 0; i < 1_000_000; i++) {
                small.add(a.malloc(4000));
            }
        });
        assertTrue(a.stats().residentBytes() <= 24 * MIB, a.stats()::toString);
        a.checkInvariants();
        small.forEach(a::free);

        a.free(blocks.removeLast());
        blocks.add(a.malloc(MIB)); // room again
        a.setMemoryLimits(0, 64 * MIB);
        blocks.add(a.malloc(8 * MIB)); // raised at run time
        a.setMemoryLimits(0, 4 * MIB);
        assertThrows(OutOfMemoryError.class, () -> a.malloc(MIB), "lowered at run time under what is resident");
        a.setMemoryLimits(0, 0);
        blocks.add(a.malloc(MIB));
        blocks.forEach(a::free);
        a.checkInvariants();
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void setMemoryLimits_badValues_areRejectedAndChangeNothing(String fe) {
        Allocator a = make(fe, limits(8 * MIB, 16 * MIB));
        assertThrows(IllegalArgumentException.class, () -> a.setMemoryLimits(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> a.setMemoryLimits(16 * MIB, 8 * MIB));
        assertEquals(8 * MIB, a.stats().release().softLimit());
        assertEquals(16 * MIB, a.stats().release().hardLimit());
        assertEquals(8 * MIB, a.threadBound().stats().release().softLimit());
    }
}
