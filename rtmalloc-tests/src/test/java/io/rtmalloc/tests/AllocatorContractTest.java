package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.NativeMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link Allocator} (DESIGN.md's API table), run over every
 * front end ServiceLoader finds: a new front end inherits the whole suite.
 */
class AllocatorContractTest extends FrontEndSuite {

    // ------------------------------------------------------------------ malloc, sizes, alignment

    @ParameterizedTest
    @MethodSource("matrix")
    void malloc_everySizeUpToTheLargestClass_isAlignedAndUsable(String fe) {
        Allocator a = make(fe);
        SizeClasses classes = a.config().sizeClasses();
        List<Long> blocks = new ArrayList<>();
        for (long size = 0; size <= classes.maxSize(); size += size < 2048 ? 1 : 509) {
            long p = a.malloc(size);
            assertNotEquals(0, p);
            assertEquals(0, p & 7, "8-byte alignment for size " + size);
            long usable = a.usableSize(p);
            assertTrue(usable >= size, "usable " + usable + " < " + size);
            assertEquals(classes.size(classes.classOf(size)), usable, "the class of size " + size);
            blocks.add(p);
            if (blocks.size() == 256) {
                blocks.forEach(a::free);
                blocks.clear();
            }
        }
        blocks.forEach(a::free);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void malloc_everyClass_blocksAreAlignedToTheirNaturalAlignment(String fe) {
        Allocator a = make(fe);
        SizeClasses classes = a.config().sizeClasses();
        for (int cl = 1; cl <= classes.count(); cl++) {
            int size = classes.size(cl);
            long natural = Math.min(Long.lowestOneBit(size), classes.pageSize());
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                long p = a.malloc(size);
                assertEquals(0, p % natural, "class " + cl + " (" + size + " bytes)");
                blocks.add(p);
            }
            blocks.forEach(p -> a.free(p, size));
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void malloc_zero_givesDistinctBlocks(String fe) {
        Allocator a = make(fe);
        long p = a.malloc(0);
        long q = a.malloc(0);
        assertNotEquals(0, p);
        assertNotEquals(p, q);
        a.free(p);
        a.free(q);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void malloc_large_isWholePages(String fe) {
        Allocator a = make(fe);
        long size = a.config().sizeClasses().maxSize() + 1;
        long p = a.malloc(size);
        assertEquals(0, p % a.config().pageSize());
        assertTrue(a.usableSize(p) >= size);
        Blocks.stamp(p, size, 7);
        assertTrue(Blocks.intact(p, size, 7));
        assertEquals(a.usableSize(p), a.stats().largeBytesInUse());
        a.free(p);
        long big = a.malloc(64L << 20);
        NativeMemory.putLong(big + (64L << 20) - 8, 1);
        a.free(big, 64L << 20);
        assertBalanced(a);
    }

    // ------------------------------------------------------------------ random sequences

    @ParameterizedTest
    @MethodSource("matrix")
    void randomSequence_stampedBlocks_neverOverlapAndBalance(String fe) {
        Allocator a = make(fe);
        Random rnd = new Random(0xC0FFEE ^ fe.hashCode());
        TreeMap<Long, long[]> live = new TreeMap<>(); // address -> {size, tag}
        long tags = 0;
        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(10);
            if (live.isEmpty() || op < 4) {
                long size = randomSize(rnd);
                long p;
                if (rnd.nextInt(8) == 0) {
                    long count = 1 + rnd.nextInt(4);
                    long each = size / 4 + 1;
                    size = count * each;
                    p = a.calloc(count, each);
                    assertTrue(Blocks.allZero(p, size), "calloc gave a block that is not zeroed");
                } else {
                    p = a.malloc(size);
                }
                if (rnd.nextInt(8) == 0) {
                    size = a.usableSize(p);
                }
                add(live, p, Math.max(size, 0), ++tags);
            } else if (op < 6) {
                long p = pick(live, rnd);
                long[] b = live.remove(p);
                assertTrue(Blocks.intact(p, b[0], b[1]), "block changed while allocated");
                long newSize = randomSize(rnd);
                long q = a.realloc(p, newSize);
                assertTrue(Blocks.intactPrefix(q, b[0], Math.min(b[0], newSize), b[1]),
                        "realloc lost contents");
                add(live, q, newSize, ++tags);
            } else {
                long p = pick(live, rnd);
                long[] b = live.remove(p);
                assertTrue(Blocks.intact(p, b[0], b[1]), "block changed while allocated");
                if (rnd.nextBoolean()) {
                    a.free(p, b[0]);
                } else {
                    a.free(p);
                }
            }
        }
        for (Map.Entry<Long, long[]> e : live.entrySet()) {
            assertTrue(Blocks.intact(e.getKey(), e.getValue()[0], e.getValue()[1]));
            a.free(e.getKey());
        }
        assertBalanced(a);
    }

    private static long randomSize(Random rnd) {
        int r = rnd.nextInt(100);
        if (r < 60) {
            return rnd.nextInt(257);
        }
        if (r < 90) {
            return rnd.nextInt(8193);
        }
        if (r < 98) {
            return rnd.nextInt(300_000);
        }
        return 300_000 + rnd.nextInt(2_000_000);
    }

    private static long pick(TreeMap<Long, long[]> live, Random rnd) {
        Long k = live.ceilingKey(rnd.nextLong(live.firstKey(), live.lastKey() + 1));
        return k != null ? k : live.firstKey();
    }

    private static void add(TreeMap<Long, long[]> live, long p, long size, long tag) {
        assertEquals(0, p & 7);
        Map.Entry<Long, long[]> below = live.floorEntry(p);
        assertFalse(below != null && below.getKey() + Math.max(below.getValue()[0], 1) > p,
                "overlaps the block at " + below);
        Map.Entry<Long, long[]> above = live.ceilingEntry(p);
        assertFalse(above != null && above.getKey() < p + Math.max(size, 1), "overlaps the block above");
        Blocks.stamp(p, size, tag);
        live.put(p, new long[] {size, tag});
    }
}
