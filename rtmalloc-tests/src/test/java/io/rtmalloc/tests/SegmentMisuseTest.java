package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misuse of the segment layer (mimalloc's {@code test-wrong} is the model):
 * every case is refused with an exception, changes nothing, and leaves the
 * allocator working; no segment ever reaches memory outside its own live
 * block. Cases whose failure could crash the JVM run again in a forked JVM
 * ({@link SegmentMisuseForkedTest}).
 */
class SegmentMisuseTest extends FrontEndSuite {

    private static final long PATTERN = 0x5A5A_5A5A_5A5A_5A5AL;

    @ParameterizedTest
    @MethodSource("variants")
    void accessAfterFree_throws_andTheOldSegmentNeverReachesTheBlocksNextOwner(String fe) {
        Allocator a = make(fe);
        MemorySegment s = a.allocate(64, 8);
        s.set(ValueLayout.JAVA_LONG, 0, 1);
        a.free(s);
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> s.set(ValueLayout.JAVA_LONG, 0, 2));
        MemorySegment next = a.allocate(64, 8); // most likely the same block
        next.set(ValueLayout.JAVA_LONG, 0, PATTERN);
        assertThrows(IllegalStateException.class, () -> s.set(ValueLayout.JAVA_LONG, 0, 3));
        assertEquals(PATTERN, next.get(ValueLayout.JAVA_LONG, 0));
        a.free(next);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void secondFree_throws_andNoBlockIsHandedOutTwice(String fe) {
        Allocator a = make(fe);
        MemorySegment s = a.allocate(48, 8);
        a.free(s);
        assertThrows(IllegalStateException.class, () -> a.free(s));
        MemorySegment x = a.allocate(48, 8);
        MemorySegment y = a.allocate(48, 8);
        assertNotEquals(x.address(), y.address());
        // The old segment's second free must not free x, even at x's address.
        assertThrows(IllegalStateException.class, () -> a.free(s));
        x.set(ValueLayout.JAVA_LONG, 0, 11);
        assertEquals(11, x.get(ValueLayout.JAVA_LONG, 0));
        a.free(x);
        a.free(y);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void freeOfASegmentItDidNotAllocate_isIllegalArgument_andChangesNothing(String fe) {
        Allocator a = make(fe);
        Allocator other = RtMalloc.builder().frontEnd(frontEndOf(fe)).build();
        try (Arena arena = a.newArena()) {
            MemorySegment inArena = arena.allocate(64);
            inArena.set(ValueLayout.JAVA_LONG, 0, PATTERN);
            MemorySegment mine = a.allocate(64, 8);
            MemorySegment theirs = other.allocate(64, 8);
            List<MemorySegment> refused = List.of(
                    inArena,                                                   // an arena's segment
                    MemorySegment.ofAddress(inArena.address()).reinterpret(64), // a live arena block by address
                    MemorySegment.ofAddress(mine.address()).reinterpret(64),    // a live segment's block by address
                    mine.asSlice(16),                                          // an interior slice
                    mine.asSlice(0, 8),                                        // a shorter view of the same block
                    theirs,                                                    // another allocator's segment
                    Arena.global().allocate(64));                              // the JDK's
            for (MemorySegment s : refused) {
                assertThrows(IllegalArgumentException.class, () -> a.free(s), s::toString);
            }
            assertThrows(IllegalArgumentException.class, () -> a.free(MemorySegment.ofArray(new byte[8])));
            assertEquals(PATTERN, inArena.get(ValueLayout.JAVA_LONG, 0), "the arena's block is untouched");
            mine.set(ValueLayout.JAVA_LONG, 56, 5);
            assertEquals(5, mine.get(ValueLayout.JAVA_LONG, 56));
            a.free(mine);
            other.free(theirs);
        }
        other.close();
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void segmentOfAllocate_isConfinedToItsThread(String fe) throws Exception {
        Allocator a = make(fe);
        MemorySegment s = a.allocate(32, 8);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<Throwable> read = other.submit(() -> catching(() -> s.get(ValueLayout.JAVA_LONG, 0)));
            Future<Throwable> free = other.submit(() -> catching(() -> a.free(s)));
            assertInstanceOf(WrongThreadException.class, read.get());
            assertInstanceOf(WrongThreadException.class, free.get());
        } finally {
            other.shutdown();
        }
        s.set(ValueLayout.JAVA_LONG, 0, 3);
        a.free(s);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void confinedArena_closedOrFromAnotherThread_refusesEverything(String fe) throws Exception {
        Allocator a = make(fe);
        Arena arena = a.newArena();
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, 8);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            assertInstanceOf(WrongThreadException.class, other.submit(() -> catching(() -> arena.allocate(8))).get());
            assertInstanceOf(WrongThreadException.class,
                    other.submit(() -> catching(() -> s.get(ValueLayout.JAVA_LONG, 0))).get());
            assertInstanceOf(WrongThreadException.class, other.submit(() -> catching(arena::close)).get());
        } finally {
            other.shutdown();
        }
        for (long bad : new long[] {0, -8, 3, 24, Long.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(64, bad));
        }
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1, 8));
        assertEquals(0, arena.allocate(40, 64).address() % 64);
        s.set(ValueLayout.JAVA_LONG, 8, 9);
        arena.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 8));
        assertThrows(IllegalStateException.class, () -> arena.allocate(8));
        assertThrows(IllegalStateException.class, arena::close);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void segmentsAreZeroed_byDefault_evenOverBlocksThatHeldData(String fe) {
        Allocator a = make(fe);
        for (long size : new long[] {8, 48, 64, 256, 4096, 100_000}) {
            long dirty = a.malloc(size);
            Blocks.stamp(dirty, size, 7);
            a.free(dirty);
            MemorySegment s = a.allocate(size, 8);
            assertTrue(Blocks.allZero(s.address(), size), "allocate(" + size + ")");
            a.free(s);
            dirty = a.malloc(size);
            Blocks.stamp(dirty, size, 9);
            a.free(dirty);
            try (Arena arena = a.newArena()) {
                MemorySegment t = arena.allocate(size);
                assertTrue(Blocks.allZero(t.address(), size), "confined arena, " + size);
            }
            try (Arena arena = a.newSharedArena()) {
                MemorySegment t = arena.allocate(size);
                assertTrue(Blocks.allZero(t.address(), size), "shared arena, " + size);
            }
        }
        try (Arena raw = a.newArena(false)) {
            assertEquals(16, raw.allocate(16).byteSize()); // unzeroed: contents unspecified, bounds as ever
        }
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void zeroing_skipsWholePagesFreshFromTheOs(String fe) throws Exception {
        Allocator a = make(fe);
        long size = 256L << 20;
        long before = vmRssKiB();
        long p = a.calloc(1, size);
        MemorySegment s = a.allocate(size, 8);
        long grown = vmRssKiB() - before;
        assertTrue(grown < 32 * 1024, "zeroing touched fresh pages: VmRSS grew by " + grown + " KiB");
        for (long off = 0; off < size; off += 1 << 20) {
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, off));
            assertEquals(0, MemorySegment.ofAddress(p + off).reinterpret(1).get(ValueLayout.JAVA_BYTE, 0));
        }
        a.free(s);
        a.free(p);
        // A block whose pages were touched is zeroed: write, free, allocate the same pages again.
        long q = a.malloc(1 << 20);
        Blocks.stamp(q, 1 << 20, 3);
        a.free(q);
        MemorySegment t = a.allocate(1 << 20, 8);
        assertTrue(Blocks.allZero(t.address(), 1 << 20));
        a.free(t);
        assertBalanced(a);
    }

    private static long vmRssKiB() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sharedArena_usedAndClosedAcrossThreads_racingCallsThrowOrComplete(String fe) throws Exception {
        Allocator a = make(fe);
        for (int round = 0; round < 20; round++) {
            Arena arena = a.newSharedArena();
            MemorySegment first = arena.allocate(ValueLayout.JAVA_LONG, 16);
            int threads = 3;
            CountDownLatch started = new CountDownLatch(threads);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            AtomicLong completed = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    while (!stop.get()) {
                        try {
                            MemorySegment s = arena.allocate(8 + 8 * id, 8);
                            s.set(ValueLayout.JAVA_LONG, 0, id);
                            first.set(ValueLayout.JAVA_LONG, 8L * id, s.get(ValueLayout.JAVA_LONG, 0));
                            completed.incrementAndGet();
                        } catch (IllegalStateException closed) {
                            return; // the arena closed under us: the only allowed failure
                        } catch (Throwable e) {
                            unexpected.compareAndSet(null, e);
                            return;
                        }
                    }
                }));
            }
            started.await();
            Thread.sleep(2);
            Thread closer = Thread.ofPlatform().start(arena::close); // any thread may close it
            closer.join();
            stop.set(true);
            for (Thread w : workers) {
                w.join();
            }
            if (unexpected.get() != null) {
                throw new AssertionError(unexpected.get());
            }
            assertFalse(arena.scope().isAlive());
            assertThrows(IllegalStateException.class, () -> first.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> arena.allocate(8));
            assertThrows(IllegalStateException.class, arena::close);
        }
        assertBalanced(a);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void arenaLeftUnreachableWithoutClose_isCounted_andItsBlocksGoBack() throws Exception {
        Allocator a = RtMalloc.builder().frontEnd("threadcache").build(); // not closed: leaked arenas stay open
        long before = leaked(a.stats());
        long inUse = a.stats().bytesInUse();
        // Tracking is sampled (one arena in 128 per thread by default): drop enough arenas that
        // at least one is tracked.
        for (int i = 0; i < 256; i++) {
            openAndDrop(a);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        AllocatorStats st = a.stats();
        while (leaked(st) == before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
            st = a.stats();
        }
        assertTrue(leaked(st) > before, () -> "no dropped arena was found:\n" + a.stats());
        long found = leaked(st) - before;
        // Each arena held 5 blocks of 100 bytes: those of the arenas found went back.
        long block = a.config().sizeClasses().size(a.config().sizeClasses().classOf(100));
        assertTrue(a.stats().bytesInUse() <= inUse + (256 - found) * 5 * block,
                () -> "the leaked arenas' blocks did not go back:\n" + a.stats());
    }

    /** Opens an arena with a few segments and drops it without closing. */
    private static void openAndDrop(Allocator a) {
        Arena arena = a.newArena();
        for (int i = 0; i < 5; i++) {
            arena.allocate(100).set(ValueLayout.JAVA_LONG, 0, i);
        }
    }

    private static long leaked(AllocatorStats st) {
        return st.frontEndDetails().get("arenas leaked (unreachable, never closed)");
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void whatADeadThreadLeft_isTakenBack_andDoesNotBlockClose(String fe) throws Exception {
        Allocator a = RtMalloc.builder().frontEnd(fe).build();
        Thread t = Thread.ofPlatform().start(() -> {
            a.allocate(200, 8).set(ValueLayout.JAVA_LONG, 0, 1);
            a.allocate(5000, 64).set(ValueLayout.JAVA_LONG, 0, 1);
            a.flushThreadCache();
        });
        t.join();
        a.releaseFreeMemory(); // sweeps what dead threads left
        a.flushThreadCache();
        assertEquals(0, a.stats().bytesInUse(), () -> a.stats().toString());
        Thread u = Thread.ofPlatform().start(() -> a.newArena().allocate(300).set(ValueLayout.JAVA_LONG, 0, 2));
        u.join();
        a.close(); // no live thread can reach what the dead ones left: nothing refuses it
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void close_isRefusedWhileALiveThreadHoldsASegmentOrAnArena(String fe) throws Exception {
        Allocator a = RtMalloc.builder().frontEnd(fe).build();
        MemorySegment s = a.allocate(64, 8);
        assertThrows(IllegalStateException.class, a::close);
        a.free(s);
        Arena shared = a.newSharedArena();
        shared.allocate(64);
        assertThrows(IllegalStateException.class, a::close);
        shared.close();
        a.close();
    }

    @ParameterizedTest
    @MethodSource("variants")
    void manySegmentsAndArenas_neverOverlap(String fe) {
        Allocator a = make(fe);
        Set<Long> seen = new HashSet<>();
        List<MemorySegment> live = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            long size = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 20_000 : 500);
            MemorySegment s = a.allocate(size, 8);
            assertTrue(seen.add(s.address()), "handed out twice");
            s.fill((byte) i);
            live.add(s);
            if (rnd.nextBoolean()) {
                MemorySegment victim = live.remove(rnd.nextInt(live.size()));
                seen.remove(victim.address());
                a.free(victim);
            }
        }
        for (int i = 0; i < live.size(); i++) {
            MemorySegment s = live.get(i);
            byte b = s.get(ValueLayout.JAVA_BYTE, 0);
            for (long k = 0; k < s.byteSize(); k++) {
                assertEquals(b, s.get(ValueLayout.JAVA_BYTE, k));
            }
            a.free(s);
        }
        assertBalanced(a);
    }

    private static Throwable catching(org.junit.jupiter.api.function.Executable e) {
        try {
            e.execute();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
