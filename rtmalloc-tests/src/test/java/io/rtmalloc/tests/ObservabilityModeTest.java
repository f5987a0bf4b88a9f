package io.rtmalloc.tests;

import io.rtmalloc.AllocationHistogram;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.SizeClassStats;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.management.SizeClassAdvisor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stats counters ({@code -Drtmalloc.stats=true}) and the allocation histogram
 * ({@code -Drtmalloc.histogram=true}) over every front end. Both switches are
 * read once into static finals, so this suite runs in its own surefire
 * execution with both set.
 */
class ObservabilityModeTest extends FrontEndSuite {

    @BeforeAll
    static void runsWithStatsAndHistogramOn() {
        assertTrue(Boolean.getBoolean("rtmalloc.stats") && Boolean.getBoolean("rtmalloc.histogram"),
                "this suite must run with -Drtmalloc.stats=true -Drtmalloc.histogram=true");
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void counters_countEveryAllocationAndFreePerClass(String fe) {
        Allocator a = make(fe);
        SizeClasses classes = a.config().sizeClasses();
        int c64 = classes.classOf(64);
        int c1000 = classes.classOf(1000);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            blocks.add(a.malloc(64));
        }
        for (int i = 0; i < 300; i++) {
            blocks.add(a.malloc(1000));
        }
        long large = a.malloc(1 << 20);
        for (int i = 0; i < 500; i++) {
            a.free(blocks.get(i));
        }
        for (int i = 500; i < 800; i++) {
            a.free(blocks.get(i), 1000);
        }
        AllocatorStats st = a.stats();
        SizeClassStats s64 = st.sizeClasses().get(c64 - 1);
        SizeClassStats s1000 = st.sizeClasses().get(c1000 - 1);
        assertEquals(500, s64.allocations());
        assertEquals(500, s64.frees());
        assertEquals(300, s1000.allocations());
        assertEquals(300, s1000.frees());
        assertEquals(1, st.largeAllocations());
        assertEquals(0, st.largeFrees());
        a.free(large);
        st = a.stats();
        assertEquals(1, st.largeFrees());
        assertTrue(st.spansAllocated() >= 3 && st.spansAllocated() >= st.spansFreed(), st.toString());
        assertTrue(st.toString().contains("allocations"), st.toString());
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void histogram_recordsTheRequestedSizes(String fe) {
        Allocator a = make(fe);
        for (int i = 0; i < 100; i++) {
            a.free(a.malloc(20));
        }
        a.free(a.malloc(10_000));
        a.free(a.calloc(3, 100)); // calloc asks malloc for 300 bytes
        AllocationHistogram.Snapshot s = a.histogram().snapshot();
        long[] b = s.buckets();
        assertEquals(100, b[3], "20 bytes fall in 17..24");
        assertEquals(1, b[38], "300 bytes fall in 297..304");
        assertEquals(1, s.overflow());
        assertEquals(101, s.total());
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void profileGuidedClasses_reloaded_wasteLessThanTheDefaults(String fe) {
        int[] centers = {20, 36, 52, 100, 180, 300, 700, 1100, 1500, 2200, 3000};
        Random rnd = new Random(11);
        int[] requests = new int[20_000];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = centers[rnd.nextInt(centers.length)] + rnd.nextInt(5) - 2;
        }
        Allocator recorded = make(fe);
        long wasteBefore = run(recorded, requests);
        String toml = SizeClassAdvisor.exportToml(recorded.histogram(), 32, 25);
        assertBalanced(recorded);
        recorded.close();

        Allocator tuned = RtMalloc.builder().frontEnd(fe).config(toml).build();
        allocator = tuned; // the suite checks its invariants after the test
        long wasteAfter = run(tuned, requests);
        assertTrue(wasteAfter * 4 < wasteBefore,
                "waste with exported classes " + wasteAfter + " vs defaults " + wasteBefore);
        assertBalanced(tuned);
    }

    /** Allocates every request, sums usable minus requested bytes, frees everything. */
    private static long run(Allocator a, int[] requests) {
        long[] blocks = new long[requests.length];
        long waste = 0;
        for (int i = 0; i < requests.length; i++) {
            blocks[i] = a.malloc(requests[i]);
            waste += a.usableSize(blocks[i]) - requests[i];
        }
        for (long p : blocks) {
            a.free(p);
        }
        return waste;
    }
}
