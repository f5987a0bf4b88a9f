package io.rtmalloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizeClassesTest {

    /** The reference: the first class whose size is >= size, by a linear scan; 0 if none. */
    private static int naiveClassOf(List<SizeClass> classes, long size) {
        for (int i = 0; i < classes.size(); i++) {
            if (classes.get(i).size() >= size) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Checks classOf against the linear scan for every size from 0 to a little beyond maxSize. */
    private static void assertMatchesLinearScan(Config config) {
        SizeClasses s = config.sizeClasses();
        List<SizeClass> classes = config.classes();
        long limit = s.maxSize() + 2048;
        for (long size = 0; size <= limit; size++) {
            int expected = naiveClassOf(classes, size);
            int actual = s.classOf(size);
            if (expected != actual) {
                throw new AssertionError("classOf(" + size + ") = " + actual + ", expected " + expected
                        + " for classes " + classes.stream().map(SizeClass::size).toList());
            }
        }
    }

    private static Config shorthand(String sizes) {
        Config.Builder b = Config.builder();
        for (String size : sizes.split(",")) {
            b.addClass(Integer.parseInt(size.strip()));
        }
        return b.build();
    }

    @Test
    void classOf_everySizeOfDefaultTable_matchesLinearScan() {
        assertMatchesLinearScan(Config.defaults());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // classes above 1 KiB that are not multiples of 128, several inside one 128-byte step
        "16, 24, 1032, 1040, 1048, 1160, 2056, 4096, 8200, 12288",
        // a largest class that is not a multiple of 128: the fine table covers everything
        "8, 1048, 65544",
        // fine table to 1032, then several multiples of 128 in the coarse table
        "8, 1032, 1152, 1280, 4096, 65536",
        // every class below 1 KiB: sizes above the largest have no class
        "8, 48, 200, 512",
        // one class
        "1024",
        // one large class
        "131072",
        // dense small classes, then sparse multiples of 128 from 1152
        "8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 1024, 1152, 2176, 3200, 100096",
    })
    void classOf_oddTables_matchLinearScan(String sizes) {
        assertMatchesLinearScan(shorthand(sizes));
    }

    @Test
    void classOf_pageSizes4096And16384_matchLinearScan() {
        assertMatchesLinearScan(Config.builder().pageSize(4096).addClasses(8, 64, 1032, 4096, 5120, 40960).build());
        assertMatchesLinearScan(Config.builder().pageSize(16384).addClasses(8, 64, 1032, 4096, 5120, 40960).build());
    }

    @Test
    void classOf_zero_isClassOne() {
        assertEquals(1, Config.defaults().sizeClasses().classOf(0));
        assertEquals(1, shorthand("1032").sizeClasses().classOf(0));
    }

    @Test
    void classOf_aboveMaxSize_isZero() {
        SizeClasses s = Config.defaults().sizeClasses();
        assertEquals(45, s.classOf(262144));
        assertEquals(0, s.classOf(262145));
        assertEquals(0, s.classOf(1L << 40));
        assertEquals(0, s.classOf(Long.MAX_VALUE));
        SizeClasses small = shorthand("8, 48").sizeClasses();
        assertEquals(2, small.classOf(48));
        assertEquals(0, small.classOf(49));
        assertEquals(0, small.classOf(1024));
        assertEquals(0, small.classOf(1025));
    }

    @Test
    void classOf_negative_isZeroNotAnException() {
        SizeClasses s = Config.defaults().sizeClasses();
        assertEquals(0, s.classOf(-1));
        assertEquals(0, s.classOf(-8));
        assertEquals(0, s.classOf(Long.MIN_VALUE));
    }

    @Test
    void classOf_boundaries_ofDefaultTable() {
        SizeClasses s = Config.defaults().sizeClasses();
        assertEquals(1, s.classOf(8));
        assertEquals(2, s.classOf(9));
        assertEquals(24, s.classOf(1024));
        assertEquals(25, s.classOf(1025));
        assertEquals(25, s.classOf(1280));
        assertEquals(26, s.classOf(1281));
        assertEquals(44, s.classOf(65537));
    }

    @Test
    void accessors_defaultTable_describeEachClass() {
        SizeClasses s = Config.defaults().sizeClasses();
        assertEquals(45, s.count());
        assertEquals(262144, s.maxSize());
        assertEquals(8192, s.pageSize());
        assertEquals(13, s.pageShift());
        assertEquals(8, s.size(1));
        assertEquals(1, s.pages(1));
        assertEquals(32, s.batchSize(1));
        assertEquals(1024, s.objectsPerSpan(1));
        assertEquals(24, s.size(3));
        assertEquals(341, s.objectsPerSpan(3));
        assertEquals(10240, s.size(37));
        assertEquals(10, s.pages(37));
        assertEquals(8, s.objectsPerSpan(37));
        assertEquals(262144, s.size(45));
        assertEquals(64, s.pages(45));
        assertEquals(2, s.batchSize(45));
        assertEquals(2, s.objectsPerSpan(45));
        assertEquals(0, s.size(0));
        assertEquals(0, s.objectsPerSpan(0));
    }

    @Test
    void accessors_everyClass_matchConfig() {
        Config c = Config.builder().pageSize(16384).addClass(24, 3, 5).addClass(20480).build();
        SizeClasses s = c.sizeClasses();
        assertEquals(14, s.pageShift());
        for (int cl = 1; cl <= s.count(); cl++) {
            SizeClass k = c.classes().get(cl - 1);
            assertEquals(k.size(), s.size(cl));
            assertEquals(k.pages(), s.pages(cl));
            assertEquals(k.batchSize(), s.batchSize(cl));
            assertEquals((int) ((long) k.pages() * 16384 / k.size()), s.objectsPerSpan(cl));
        }
        assertEquals(2048, s.objectsPerSpan(1));
        assertEquals(8, s.objectsPerSpan(2));
    }

    @Test
    void pageShift_pageSize4096_is12() {
        assertEquals(12, Config.builder().pageSize(4096).addClass(8).build().sizeClasses().pageShift());
    }

    @Test
    void toString_defaultTable_listsEveryClassWithTailWaste() {
        String text = Config.defaults().sizeClasses().toString();
        List<String> lines = text.lines().toList();
        assertEquals(3 + 45, lines.size(), text);
        assertTrue(lines.get(0).startsWith("45 size classes, page size 8192 bytes"), text);
        assertTrue(lines.get(1).contains("tail waste"), text);
        assertTrue(lines.get(2).contains("objects/span"), text);
        // class 3: 24 bytes, 1 page, batch 32, 341 objects, 8192 - 341 * 24 = 8 bytes = 0.10 % wasted
        assertEquals(List.of("3", "24", "1", "32", "341", "8", "0.10%"), List.of(lines.get(5).trim().split("\\s+")));
        // class 45: 256 KiB in 64 pages, 2 objects, no waste
        assertEquals(List.of("45", "262144", "64", "2", "2", "0", "0.00%"),
                List.of(lines.get(47).trim().split("\\s+")));
    }
}
