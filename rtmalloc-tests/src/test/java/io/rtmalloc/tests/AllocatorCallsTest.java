package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.NativeMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** calloc, realloc, alignedAlloc, sized free and usableSize, over every front end. */
class AllocatorCallsTest extends FrontEndSuite {

    @ParameterizedTest
    @MethodSource("matrix")
    void calloc_zeroesRecycledMemory(String fe) {
        Allocator a = make(fe);
        for (long size : new long[] {8, 64, 1000, 4096, 70_000, 300_000}) {
            List<Long> dirty = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long p = a.malloc(size);
                NativeMemory.fill(p, size, (byte) 0xAB);
                dirty.add(p);
            }
            dirty.forEach(a::free);
            for (int i = 0; i < 40; i++) {
                long p = a.calloc(size / 8, 8);
                assertTrue(Blocks.allZero(p, size), "calloc(" + size + ") not zeroed");
                dirty.set(i, p);
            }
            dirty.forEach(a::free);
        }
        long zero = a.calloc(0, 100);
        assertNotEquals(0, zero);
        a.free(zero);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void realloc_growingByDoubling_keepsContents(String fe) {
        Allocator a = make(fe);
        long p = a.realloc(0, 8); // realloc of 0 is malloc
        long size = 8;
        NativeMemory.putLong(p, 0x1234_5678_9ABC_DEF0L);
        while (size < 80_000) {
            long newSize = size * 2;
            long q = a.realloc(p, newSize);
            assertEquals(0x1234_5678_9ABC_DEF0L, NativeMemory.getLong(q), "first word kept at " + newSize);
            for (long off = 8; off < size; off += 8) {
                assertEquals(off, NativeMemory.getLong(q + off), "word " + off + " kept at " + newSize);
            }
            for (long off = size; off < newSize; off += 8) {
                NativeMemory.putLong(q + off, off);
            }
            if (size == 8) {
                NativeMemory.putLong(q + 8, 8);
            }
            p = q;
            size = newSize;
        }
        // Shrinking keeps the prefix.
        long q = a.realloc(p, 100);
        assertEquals(0x1234_5678_9ABC_DEF0L, NativeMemory.getLong(q));
        for (long off = 8; off < 96; off += 8) {
            assertEquals(off, NativeMemory.getLong(q + off));
        }
        a.free(q);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void realloc_withinTheSameClass_keepsTheAddress(String fe) {
        Allocator a = make(fe);
        long p = a.malloc(100); // class 112
        assertEquals(p, a.realloc(p, 112));
        assertEquals(p, a.realloc(p, 97));
        long q = a.realloc(p, 8); // a smaller class: the block moves
        assertEquals(8, a.usableSize(q));
        long big = a.malloc(1 << 20);
        assertEquals(big, a.realloc(big, (1 << 20) - 5000));
        a.free(q);
        a.free(big);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void alignedAlloc_everyPowerOfTwo_isAligned(String fe) {
        Allocator a = make(fe);
        List<Long> blocks = new ArrayList<>();
        for (long alignment = 1; alignment <= (4L << 20); alignment <<= 1) {
            for (long size : new long[] {0, 1, 24, 100, 3000, 9000, 100_000, 300_000}) {
                long p = a.alignedAlloc(alignment, size);
                assertEquals(0, p % alignment, "alignment " + alignment + ", size " + size);
                assertTrue(a.usableSize(p) >= size);
                if (size >= 8) {
                    NativeMemory.putLong(p + ((size - 8) & ~7L), p);
                }
                blocks.add(p);
            }
        }
        for (long p : blocks) {
            a.free(p);
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void sizedFree_anySizeOfTheBlocksClass_isAccepted(String fe) {
        Allocator a = make(fe);
        SizeClasses classes = a.config().sizeClasses();
        for (long size = 1; size <= classes.maxSize(); size = size * 3 + 1) {
            long p = a.malloc(size);
            a.free(p, size);
            long q = a.malloc(size);
            a.free(q, a.usableSize(q));
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("matrix")
    void usableSize_isTheClassSize(String fe) {
        Allocator a = make(fe);
        SizeClasses classes = a.config().sizeClasses();
        for (int cl = 1; cl <= classes.count(); cl++) {
            long p = a.malloc(classes.size(cl));
            assertEquals(classes.size(cl), a.usableSize(p));
            a.free(p);
        }
        long p = a.malloc(classes.maxSize() + 1);
        long page = a.config().pageSize();
        assertEquals((classes.maxSize() + 1 + page - 1) / page * page, a.usableSize(p));
        a.free(p);
        assertNotEquals(0, a.stats().mappedBytes());
        assertBalanced(a);
    }
}
