package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Allocator#close()} over every front end: the memory goes back to the
 * OS (the range stays mapped as fresh zero pages, so that a call racing the
 * close never faults), every later call throws instead of touching it, and
 * nothing else is disturbed. Each test closes an allocator of its own, never the suite's
 * {@link #allocator}, whose invariants are checked after the test.
 */
class CloseTest extends FrontEndSuite {

    /** Whether a mapping of this process covers {@code address}, from {@code /proc/self/maps}. */
    static boolean isMapped(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String range = line.substring(0, line.indexOf(' '));
            int dash = range.indexOf('-');
            long start = Long.parseUnsignedLong(range, 0, dash, 16);
            long end = Long.parseUnsignedLong(range, dash + 1, range.length(), 16);
            if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                return true;
            }
        }
        return false;
    }

    static void assertClosedCall(Executable call) {
        assertThrows(IllegalStateException.class, call);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void close_returnsTheMemory_andEveryLaterCallThrows(String fe) throws Exception {
        Allocator a = RtMalloc.builder().frontEnd(fe).build();
        List<Long> small = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            small.add(a.malloc(8 + 8 * (i % 100)));
        }
        for (int i = 0; i < small.size(); i += 2) {
            a.free(small.get(i)); // some blocks back in the caches
        }
        long p = small.get(1);
        long large = a.malloc(3 << 20);
        long zeroed = a.calloc(10, 10);
        long aligned = a.alignedAlloc(1 << 20, 100);
        MemorySegment segment = a.allocate(100, 16);
        segment.set(ValueLayout.JAVA_LONG, 0, 42);
        assertTrue(a.stats().mappedBytes() > 0);
        for (long address : new long[] {p, large, zeroed, aligned, segment.address()}) {
            assertTrue(isMapped(address));
        }
        // A live segment of allocate() could still reach the memory: close refuses, changing nothing.
        IllegalStateException refused = assertThrows(IllegalStateException.class, a::close);
        assertTrue(refused.getMessage().contains("allocate()"), refused.getMessage());
        assertEquals(42, segment.get(ValueLayout.JAVA_LONG, 0));
        long segmentAddress = segment.address();
        a.free(segment);

        a.close();

        for (long address : new long[] {p, large, zeroed, aligned, segmentAddress}) {
            // Still mapped, for a call that raced the close, but as fresh zero pages: no memory behind it.
            assertTrue(isMapped(address), () -> "0x" + Long.toHexString(address) + " unmapped");
            assertEquals(0, Smaps.rss(address, address + 1), () -> "0x" + Long.toHexString(address) + " resident");
        }
        assertClosedCall(() -> segment.get(ValueLayout.JAVA_LONG, 0));
        assertClosedCall(() -> a.malloc(16));
        assertClosedCall(() -> a.malloc(0));
        assertClosedCall(() -> a.malloc(3 << 20));
        assertClosedCall(() -> a.calloc(4, 4));
        assertClosedCall(() -> a.realloc(p, 5000));
        assertClosedCall(() -> a.realloc(0, 16));
        assertClosedCall(() -> a.alignedAlloc(64, 64));
        assertClosedCall(() -> a.alignedAlloc(1 << 20, 64));
        assertClosedCall(() -> a.free(p));
        assertClosedCall(() -> a.free(p, 16));
        assertClosedCall(() -> a.free(large));
        assertClosedCall(() -> a.free(large, 3 << 20));
        assertClosedCall(() -> a.usableSize(p));
        assertClosedCall(() -> a.allocate(8, 8));
        assertClosedCall(() -> a.free(segment));
        assertClosedCall(a::newArena);
        assertClosedCall(a::newSharedArena);
        assertClosedCall(a::stats);
        assertClosedCall(a::releaseFreeMemory);
        assertClosedCall(a::flushThreadCache);
        assertClosedCall(a::threadBound);
        assertDoesNotThrow(() -> a.free(0));
        assertEquals(fe, a.frontEnd());
        assertEquals(8192, a.config().pageSize());
        a.close(); // again: nothing more to do
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void close_emptiesTheCachesOfOtherThreads_whoseLaterCallsThrow(String fe) throws Exception {
        Allocator a = RtMalloc.builder().frontEnd(fe).build();
        ExecutorService platform = Executors.newSingleThreadExecutor();
        ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Allocator> views = new ArrayList<>();
            List<Long> kept = new ArrayList<>();
            for (ExecutorService worker : List.of(platform, virtual)) {
                worker.submit(() -> {
                    Allocator bound = a.threadBound();
                    List<Long> blocks = new ArrayList<>();
                    for (int i = 0; i < 1000; i++) {
                        blocks.add((i & 1) == 0 ? a.malloc(16 + i % 512) : bound.malloc(16 + i % 512));
                    }
                    kept.add(blocks.removeLast());
                    blocks.forEach(a::free); // the caches keep many of them
                    views.add(bound);
                    return null;
                }).get();
            }

            a.close();

            for (ExecutorService worker : List.of(platform, virtual)) {
                Allocator bound = views.removeFirst();
                long block = kept.removeFirst();
                worker.submit(() -> {
                    for (int size = 8; size <= 4096; size *= 2) {
                        int s = size;
                        assertClosedCall(() -> a.malloc(s));
                    }
                    assertClosedCall(() -> a.free(block));
                    assertClosedCall(() -> a.free(block, 8));
                    return null;
                }).get();
                if (worker == platform) {
                    worker.submit(() -> {
                        assertClosedCall(() -> bound.malloc(16));
                        assertClosedCall(() -> bound.free(block));
                        assertClosedCall(bound::flushThreadCache);
                        return null;
                    }).get();
                }
            }
        } finally {
            platform.shutdown();
            virtual.shutdown();
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void close_isRefusedWhileAnArenaIsOpen_andTheAllocatorKeepsWorking(String fe) throws Exception {
        Allocator a = RtMalloc.builder().frontEnd(fe).build();
        Arena arena = a.newArena();
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, 4);
        s.set(ValueLayout.JAVA_LONG, 8, 7);

        IllegalStateException refused = assertThrows(IllegalStateException.class, a::close);
        assertTrue(refused.getMessage().contains("arena"), refused.getMessage());

        assertEquals(7, s.get(ValueLayout.JAVA_LONG, 8));
        long p = a.malloc(64);
        a.free(p);
        arena.close();
        assertFalse(s.scope().isAlive());
        long mapped = a.malloc(64);
        a.free(mapped);
        a.close();
        assertEquals(0, Smaps.rss(mapped, mapped + 1), "the memory went back");
        assertClosedCall(a::newArena);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void threadBoundView_doesNotClose_theAllocatorItCameFrom(String fe) {
        Allocator a = make(fe);
        Allocator bound = a.threadBound();
        assertThrows(UnsupportedOperationException.class, bound::close);
        long p = bound.malloc(32);
        bound.free(p);
        p = a.malloc(32);
        a.free(p);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void closingOneAllocator_leavesTheBlocksOfAnotherIntact(String fe) throws Exception {
        Allocator survivor = make(fe);
        Allocator doomed = RtMalloc.builder().frontEnd(fe).build();
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long b = survivor.malloc(8 + 24 * i);
            Blocks.stamp(b, 8 + 24 * i, i);
            blocks.add(b);
            doomed.free(doomed.malloc(8 + 24 * i));
        }

        doomed.close();

        for (int i = 0; i < blocks.size(); i++) {
            assertTrue(Blocks.intact(blocks.get(i), 8 + 24 * i, i), "block " + i);
            survivor.free(blocks.get(i));
        }
        assertBalanced(survivor);
    }
}
