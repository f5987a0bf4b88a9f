package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.NativeMemory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every row of the API table's error column, each followed by a successful
 * allocation and an invariant check: bad input never breaks the allocator.
 */
class AllocatorErrorsTest extends FrontEndSuite {

    /** Runs {@code bad}, expects {@code type}, then shows the allocator still works. */
    private <T extends Throwable> T rejects(Allocator a, Class<T> type, Executable bad) {
        T e = assertThrows(type, bad);
        long p = a.malloc(48);
        NativeMemory.putLong(p + 40, 99);
        assertEquals(99, NativeMemory.getLong(p + 40));
        a.free(p);
        a.checkInvariants();
        return e;
    }

    @ParameterizedTest
    @MethodSource("variants")
    void negativeSizes_areIllegalArguments(String fe) {
        Allocator a = make(fe);
        rejects(a, IllegalArgumentException.class, () -> a.malloc(-1));
        rejects(a, IllegalArgumentException.class, () -> a.malloc(Long.MIN_VALUE));
        rejects(a, IllegalArgumentException.class, () -> a.calloc(-1, 8));
        rejects(a, IllegalArgumentException.class, () -> a.calloc(8, -1));
        rejects(a, IllegalArgumentException.class, () -> a.alignedAlloc(16, -5));
        long p = a.malloc(16);
        rejects(a, IllegalArgumentException.class, () -> a.realloc(p, -1));
        assertEquals(16, a.usableSize(p), "a rejected realloc leaves the block alone");
        rejects(a, IllegalArgumentException.class, () -> a.free(p, -1));
        a.free(p);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void calloc_overflow_isIllegalArgument_notAWrap(String fe) {
        Allocator a = make(fe);
        IllegalArgumentException e = rejects(a, IllegalArgumentException.class, () -> a.calloc(1L << 32, 1L << 32));
        assertTrue(e.getMessage().contains("overflow"), e.getMessage());
        rejects(a, IllegalArgumentException.class, () -> a.calloc(Long.MAX_VALUE, 2));
        rejects(a, IllegalArgumentException.class, () -> a.calloc(3, Long.MAX_VALUE / 2));
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void alignment_notAPowerOfTwo_isIllegalArgument(String fe) {
        Allocator a = make(fe);
        for (long bad : new long[] {0, -8, 3, 24, 100, Long.MIN_VALUE, (1L << 20) + 1}) {
            rejects(a, IllegalArgumentException.class, () -> a.alignedAlloc(bad, 64));
            rejects(a, IllegalArgumentException.class, () -> a.allocate(64, bad));
        }
        rejects(a, IllegalArgumentException.class, () -> a.allocate(-1, 8));
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_foreignAddresses_areIllegalArguments(String fe) {
        Allocator a = make(fe);
        try (Arena jdk = Arena.ofConfined()) {
            long foreign = jdk.allocate(64).address();
            rejects(a, IllegalArgumentException.class, () -> a.free(foreign));
            rejects(a, IllegalArgumentException.class, () -> a.free(foreign, 64));
            rejects(a, IllegalArgumentException.class, () -> a.usableSize(foreign));
            rejects(a, IllegalArgumentException.class, () -> a.realloc(foreign, 128));
        }
        for (long bogus : new long[] {8, 4096, -8, Long.MIN_VALUE, Long.MAX_VALUE & ~7L, 1L << 47, 0x7f00_0000_0000L}) {
            rejects(a, IllegalArgumentException.class, () -> a.free(bogus));
            rejects(a, IllegalArgumentException.class, () -> a.free(bogus, 16));
        }
        // An address of another rtmalloc allocator is foreign too.
        Allocator other = RtMalloc.builder().frontEnd(frontEndOf(fe)).build();
        long theirs = other.malloc(64);
        rejects(a, IllegalArgumentException.class, () -> a.free(theirs));
        other.free(theirs);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_insideABlock_isIllegalArgument(String fe) {
        Allocator a = make(fe);
        // A block boundary inside a small block is caught by every front end only in
        // checked mode (CheckedModeTest); a misaligned one always is.
        long small = a.malloc(64);
        rejects(a, IllegalArgumentException.class, () -> a.free(small + 3));
        rejects(a, IllegalArgumentException.class, () -> a.free(small + 4, 64));
        rejects(a, IllegalArgumentException.class, () -> a.usableSize(small + 16));
        rejects(a, IllegalArgumentException.class, () -> a.realloc(small + 16, 8));
        if (frontEndOf(fe).equals("global")) {
            // Blocks that go straight to the central tier are checked against their span.
            rejects(a, IllegalArgumentException.class, () -> a.free(small + 16));
            rejects(a, IllegalArgumentException.class, () -> a.free(small + 16, 32));
        }
        long large = a.malloc(1 << 20);
        rejects(a, IllegalArgumentException.class, () -> a.free(large + 8192));
        rejects(a, IllegalArgumentException.class, () -> a.free(large + 8));
        rejects(a, IllegalArgumentException.class, () -> a.free(large + (1 << 20) - 8));
        a.free(small);
        a.free(large);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_largeTwice_isIllegalArgument(String fe) {
        Allocator a = make(fe);
        long large = a.malloc(1 << 20);
        a.free(large);
        // Checked before anything else is allocated: a later malloc may reuse the pages.
        assertThrows(IllegalArgumentException.class, () -> a.usableSize(large));
        rejects(a, IllegalArgumentException.class, () -> a.free(large));
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void sizedFree_negative_orAboveTheUsableSizeWhereChecked_isIllegalArgument(String fe) {
        Allocator a = make(fe);
        long p = a.malloc(64);
        rejects(a, IllegalArgumentException.class, () -> a.free(p, -1));
        rejects(a, IllegalArgumentException.class, () -> a.free(p, Long.MIN_VALUE));
        long big = a.malloc(300_000);
        long usable = a.usableSize(big);
        rejects(a, IllegalArgumentException.class, () -> a.free(big, usable + 1)); // whole pages: always checked
        a.free(big, usable);
        if (io.rtmalloc.spi.Switches.CHECKED) {
            rejects(a, IllegalArgumentException.class, () -> a.free(p, 65));
            rejects(a, IllegalArgumentException.class, () -> a.free(p, 4000));
            rejects(a, IllegalArgumentException.class, () -> a.free(p, 1 << 20));
            a.free(p, 64);
        } else {
            // The class comes from the page map, so a wrong size still frees the block as what it is.
            a.free(p, 1 << 20);
            long again = a.malloc(64);
            assertEquals(64, a.usableSize(again));
            a.free(again);
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void sizedFree_acceptsEverySizeFromTheRequestedOneToTheUsableOne_alignedBlocksToo(String fe) {
        Allocator a = make(fe);
        long[][] cases = {{8, 142}, {64, 142}, {16, 20}, {256, 1000}, {4096, 100}, {16384, 5000}, {8, 0}};
        for (long[] c : cases) {
            long alignment = c[0];
            long size = c[1];
            long usable = -1;
            for (long s = size; s <= Math.max(size, 1) * 2; s += Math.max(1, size / 64)) {
                long p = a.alignedAlloc(alignment, size);
                assertEquals(0, p % alignment);
                usable = a.usableSize(p);
                long tooBig = s;
                if (s > usable) {
                    // Whole pages (an alignment above the page size) are always checked.
                    boolean wholePages = alignment > a.config().pageSize() || size > a.config().sizeClasses().maxSize();
                    if (io.rtmalloc.spi.Switches.CHECKED || wholePages) {
                        rejects(a, IllegalArgumentException.class, () -> a.free(p, tooBig));
                        a.free(p, usable);
                    } else {
                        a.free(p, tooBig);
                    }
                    break;
                }
                a.free(p, s);
            }
            assertTrue(usable >= size);
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_zero_isANoOp(String fe) {
        Allocator a = make(fe);
        a.free(0);
        a.free(0, 64);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void refusedMemory_isOutOfMemoryError(String fe) {
        Allocator a = make(fe);
        long before = a.stats().mappedBytes();
        rejects(a, OutOfMemoryError.class, () -> a.malloc(1L << 45));
        rejects(a, OutOfMemoryError.class, () -> a.malloc(Long.MAX_VALUE));
        rejects(a, OutOfMemoryError.class, () -> a.calloc(1L << 22, 1L << 23));
        rejects(a, OutOfMemoryError.class, () -> a.alignedAlloc(1L << 30, 1L << 45));
        rejects(a, OutOfMemoryError.class, () -> a.realloc(a.malloc(8), 1L << 45));
        assertTrue(a.stats().mappedBytes() - before <= 128L << 20, "a refused request maps nothing big");
    }

    @ParameterizedTest
    @MethodSource("variants")
    void segments_fromTheHeapOrAnArena_cannotBeFreedDirectly(String fe) {
        Allocator a = make(fe);
        rejects(a, IllegalArgumentException.class, () -> a.free(MemorySegment.ofArray(new byte[16])));
        try (Arena arena = a.newArena()) {
            MemorySegment s = arena.allocate(32);
            rejects(a, IllegalArgumentException.class, () -> a.free(s));
        }
        assertBalanced(a);
    }
}
