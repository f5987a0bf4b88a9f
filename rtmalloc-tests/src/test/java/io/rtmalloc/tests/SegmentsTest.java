package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Segments, arenas and thread-bound views: the safe side of the API. */
class SegmentsTest extends FrontEndSuite {

    @ParameterizedTest
    @MethodSource("frontEnds")
    void allocate_givesExactlySizedAlignedSegments(String fe) {
        Allocator a = make(fe);
        for (long align : new long[] {1, 8, 64, 4096, 1 << 16}) {
            for (long size : new long[] {0, 1, 100, 5000, 300_000}) {
                MemorySegment s = a.allocate(size, align);
                assertEquals(size, s.byteSize());
                assertEquals(0, s.address() % align);
                assertTrue(s.isNative());
                if (size >= 8) {
                    s.set(ValueLayout.JAVA_LONG_UNALIGNED, size - 8, 77L);
                    assertEquals(77L, s.get(ValueLayout.JAVA_LONG_UNALIGNED, size - 8));
                }
                assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, size));
                a.free(s);
            }
        }
        // SegmentAllocator's defaults work on top of allocate(size, alignment).
        MemorySegment ints = a.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3);
        assertEquals(12, ints.byteSize());
        assertEquals(3, ints.getAtIndex(ValueLayout.JAVA_INT, 2));
        a.free(ints);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void arena_freesEverythingWhenClosed_andAccessAfterCloseThrows(String fe) {
        Allocator a = make(fe);
        long before = a.stats().bytesInUse();
        MemorySegment kept;
        Arena arena = a.newArena();
        List<MemorySegment> segments = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            MemorySegment s = arena.allocate(8 + i * 37L, 8);
            s.set(ValueLayout.JAVA_LONG, 0, i);
            segments.add(s);
        }
        kept = segments.get(10);
        assertEquals(10, kept.get(ValueLayout.JAVA_LONG, 0));
        assertTrue(a.stats().bytesInUse() > before);
        arena.close();
        a.flushThreadCache();
        assertEquals(before, a.stats().bytesInUse(), "closing the arena freed every segment");
        assertFalse(kept.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> arena.allocate(8));
        assertThrows(IllegalStateException.class, arena::close);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void arena_isConfined(String fe) throws Exception {
        Allocator a = make(fe);
        try (Arena arena = a.newArena()) {
            MemorySegment s = arena.allocate(64);
            CompletableFuture<Throwable> read = CompletableFuture.supplyAsync(() -> {
                try {
                    s.get(ValueLayout.JAVA_LONG, 0);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertInstanceOf(WrongThreadException.class, read.get());
            CompletableFuture<Throwable> alloc = CompletableFuture.supplyAsync(() -> {
                try {
                    arena.allocate(64);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertInstanceOf(WrongThreadException.class, alloc.get());
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void threadBound_worksOnItsThread_andRejectsOthers(String fe) throws Exception {
        Allocator a = make(fe);
        Allocator mine = a.threadBound();
        long p = mine.malloc(64);
        long q = a.malloc(64);
        mine.free(q); // blocks are interchangeable with the parent's
        assertEquals(64, mine.usableSize(p));
        CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
            try {
                mine.malloc(8);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        assertInstanceOf(WrongThreadException.class, other.get());
        CompletableFuture<Throwable> otherFree = CompletableFuture.supplyAsync(() -> {
            try {
                mine.free(p);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        assertInstanceOf(WrongThreadException.class, otherFree.get());
        a.free(p);
        assertEquals(a.frontEnd(), mine.frontEnd());
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void releaseFreeMemory_returnsFreePages_andTheAllocatorKeepsWorking(String fe)
            throws ExecutionException, InterruptedException {
        Allocator a = make(fe);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            blocks.add(a.malloc(100_000));
        }
        blocks.forEach(a::free);
        long released = a.releaseFreeMemory();
        assertTrue(released >= 200L * 100_000, "released " + released);
        assertEquals(released, a.stats().release().requestBytes());
        assertEquals(released, a.stats().bytesReleasedTotal());
        assertEquals(0, a.stats().pageHeapFreeBytes());
        assertTrue(a.stats().releasedBytes() >= released, "released and never-touched free pages");
        long p = a.calloc(1, 100_000);
        assertTrue(Blocks.allZero(p, 100_000));
        a.free(p);
        assertBalanced(a);
    }
}
