package io.rtmalloc.management;

import io.rtmalloc.AllocationHistogram;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClass;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.toml.TomlConfig;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassAdvisorTest {

    /** 100 requests of 16 bytes, 10 of 24, 100 of 32, 50 of 48. */
    private static AllocationHistogram.Snapshot synthetic() {
        long[] b = new long[AllocationHistogram.MAX_SIZE / 8 + 1];
        b[2] = 100; // 9..16
        b[3] = 10;  // 17..24
        b[4] = 100; // 25..32
        b[6] = 50;  // 41..48
        return AllocationHistogram.Snapshot.of(b, 7);
    }

    @Test
    void suggestClasses_takesTheMostFrequentBuckets_untilCovered() {
        AllocationHistogram.Snapshot s = synthetic();
        assertEquals(List.of(16, 32), SizeClassAdvisor.suggestClasses(s, 0.5));   // 200 of 260 requests >= 130
        assertEquals(List.of(16, 32, 48), SizeClassAdvisor.suggestClasses(s, 0.8)); // 250 >= 208
        assertEquals(List.of(16, 24, 32, 48), SizeClassAdvisor.suggestClasses(s, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SizeClassAdvisor.suggestClasses(s, 1.5));
    }

    @Test
    void optimalLayout_mergesTheCheapestAdjacentPairs_handComputed() {
        // Merges: 24 into 32 adds 10*8 = 80 bytes (the cheapest); then 16 into 32 adds
        // 100*16 = 1600 against 32 into 48 adding 110*16 = 1760.
        SizeClassAdvisor.Layout l = SizeClassAdvisor.optimalLayout(synthetic(), 2, 50);
        assertEquals(List.of(32, 48), l.classSizes());
        assertEquals(List.of(210L, 50L), l.requests());
        // reserved 210*32 + 50*48 = 9120; requested 1600 + 240 + 3200 + 2400 = 7440
        assertEquals(1680.0 / 260, l.averageWaste(), 1e-9);
        assertEquals(9120.0 / 7440, l.fragmentation(), 1e-9);
        assertTrue(l.withinMaxClasses());
    }

    @Test
    void optimalLayout_neverExceedsTheWasteLimit_evenAboveMaxClasses() {
        // After 24 -> 32 (2.3% waste), both remaining merges would waste 25% and 24% of a class.
        SizeClassAdvisor.Layout l = SizeClassAdvisor.optimalLayout(synthetic(), 2, 20);
        assertEquals(List.of(16, 32, 48), l.classSizes());
        assertFalse(l.withinMaxClasses());
        SizeClassAdvisor.Layout all = SizeClassAdvisor.optimalLayout(synthetic(), 10, 0);
        assertEquals(List.of(16, 24, 32, 48), all.classSizes(), "nothing to merge");
        assertEquals(0, all.averageWaste(), 1e-12);
    }

    @Test
    void exportToml_isAFileTheLoaderAccepts_keepingLargeClasses() {
        String toml = SizeClassAdvisor.exportToml(synthetic(), Config.defaults(), 2, 50);
        Config c = TomlConfig.parse(toml, "<exported>");
        List<Integer> sizes = c.classes().stream().map(SizeClass::size).toList();
        assertEquals(List.of(32, 48), sizes.subList(0, 2));
        assertTrue(sizes.contains(262144), "classes above the histogram's range are kept: " + sizes);
        assertEquals(Config.defaults().pageSize(), c.pageSize());
        assertEquals(Config.defaults().perCpuCacheSize(), c.perCpuCacheSize());
        // And it round-trips.
        assertEquals(c.classes(), TomlConfig.parse(TomlConfig.write(c)).classes());
        String report = SizeClassAdvisor.report(synthetic(), 2, 50);
        assertTrue(report.contains("classes = [32, 48]"), report);
    }

    @Test
    void recordedWorkload_exportedClasses_wasteLessThanTheDefaults() {
        // Requests clustered around sizes the default classes fit badly.
        int[] centers = {20, 36, 52, 100, 180, 300, 700, 1100, 1500, 2200, 3000};
        Random rnd = new Random(7);
        int[] requests = new int[200_000];
        AllocationHistogram h = new AllocationHistogram();
        for (int i = 0; i < requests.length; i++) {
            int size = centers[rnd.nextInt(centers.length)] + rnd.nextInt(5) - 2;
            requests[i] = size;
            h.record(size);
        }
        Config exported = TomlConfig.parse(SizeClassAdvisor.exportToml(h, 32, 25), "<exported>");
        long before = internalWaste(Config.defaults(), requests);
        long after = internalWaste(exported, requests);
        assertTrue(after < before, "waste " + after + " with the exported classes, " + before + " with the defaults");
        assertTrue(after * 4 < before, "at least 4x less: " + after + " vs " + before);
    }

    /** Bytes reserved by classes minus bytes requested. */
    static long internalWaste(Config c, int[] requests) {
        SizeClasses classes = c.sizeClasses();
        long waste = 0;
        for (int r : requests) {
            waste += classes.size(classes.classOf(r)) - r;
        }
        return waste;
    }
}
