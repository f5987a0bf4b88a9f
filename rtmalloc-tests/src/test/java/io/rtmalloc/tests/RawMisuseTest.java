package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.SizeClasses;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The misuse of the raw API that rtmalloc detects in its default mode, case by
 * case over every front end and its thread-bound view, in the manner of
 * mimalloc's {@code test-wrong}: each refused call must throw its exception
 * and leave the allocator exactly as it was (the same figures in its stats,
 * the caller's stamped blocks intact, its invariants holding), and the
 * allocator must go on working.
 *
 * <p>Misuse whose outcome is damage to the caller's own blocks (a next
 * pointer overwritten after a free, a double free that is not at the head of
 * its list) and calls racing {@code close()} could crash a JVM if rtmalloc
 * mishandled them, so they run in JVMs of their own ({@link RawMisuseForkedTest}).
 *
 * <p>The allocators here release nothing by themselves, so that no
 * background release moves blocks between tiers while a test compares
 * figures.
 */
class RawMisuseTest extends FrontEndSuite {

    /** The default configuration without the background release. */
    static final Config QUIET = Config.defaults().toBuilder().backgroundReleaseOff().build();

    /** Blocks of the caller's that a refused call must leave as they were: {address, size, tag, usable}. */
    private final List<long[]> witnesses = new ArrayList<>();

    /** Stamps {@code address} and keeps it as a witness. */
    private long witness(long address, long size) {
        long tag = witnesses.size() + 1;
        Blocks.stamp(address, size, tag);
        witnesses.add(new long[] {address, size, tag, allocator.usableSize(address)});
        return address;
    }

    /** A witness of each kind: small, aligned small, whole pages, aligned whole pages. */
    private void witnesses(Allocator a) {
        witness(a.malloc(64), 64);
        witness(a.malloc(1000), 1000);
        witness(a.alignedAlloc(64, 142), 142);
        witness(a.malloc(300_000), 300_000);
        witness(a.alignedAlloc(1 << 20, 100), 100);
    }

    /** Checks every witness and frees it. */
    private void freeWitnesses(Allocator a) {
        for (long[] w : witnesses) {
            assertTrue(Blocks.intact(w[0], w[1], w[2]));
            a.free(w[0], w[1]);
        }
        witnesses.clear();
    }

    /** The figures a refused call must not change. */
    private static List<Long> figures(Allocator a) {
        AllocatorStats s = a.stats();
        return List.of(s.bytesInUse(), s.largeBytesInUse(), s.frontEndCacheBytes(), s.transferCacheBytes(),
                s.centralFreeBytes(), s.pageHeapFreeBytes(), s.releasedBytes(), s.mappedBytes());
    }

    /**
     * Runs {@code bad}, expects {@code type}, and checks that nothing changed:
     * the stats' figures, every witness block and its usable size, the
     * invariants.
     */
    private <T extends Throwable> T refused(Allocator a, Class<T> type, Executable bad) {
        List<Long> before = figures(a);
        T e = assertThrows(type, bad);
        assertEquals(before, figures(a), () -> "a refused call changed the allocator: " + e);
        for (long[] w : witnesses) {
            assertTrue(Blocks.intact(w[0], w[1], w[2]), () -> "a refused call changed a live block: " + e);
            assertEquals(w[3], a.usableSize(w[0]), () -> "a refused call changed a live block's size: " + e);
        }
        a.checkInvariants();
        return e;
    }

    /** Every call that takes {@code x} as a block must refuse it. */
    private void refusesAddress(Allocator a, long x, long size) {
        refused(a, IllegalArgumentException.class, () -> a.free(x));
        refused(a, IllegalArgumentException.class, () -> a.free(x, size));
        refused(a, IllegalArgumentException.class, () -> a.usableSize(x));
        refused(a, IllegalArgumentException.class, () -> a.realloc(x, 2 * size + 8));
    }

    /** Shows the allocator still works after the misuse: blocks of every kind, no two alike. */
    private static void stillWorks(Allocator a) {
        TreeSet<Long> seen = new TreeSet<>();
        List<long[]> blocks = new ArrayList<>();
        long tag = 1_000;
        for (long size : new long[] {0, 8, 64, 142, 1000, 8192, 40_000, 262_144, 300_000, 1 << 20}) {
            for (int i = 0; i < 3; i++) {
                long p = a.malloc(size);
                assertTrue(seen.add(p), "a block handed out twice");
                Blocks.stamp(p, size, ++tag);
                blocks.add(new long[] {p, size, tag});
            }
        }
        for (long[] b : blocks) {
            assertTrue(Blocks.intact(b[0], b[1], b[2]), "blocks overlap");
            a.free(b[0], b[1]);
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_ofAForeignAddress_isRefused_andChangesNothing(String fe) {
        Allocator a = make(fe, QUIET);
        witnesses(a);
        Allocator other = RtMalloc.builder().frontEnd(frontEndOf(fe)).config(QUIET).build();
        try (Arena jdk = Arena.ofConfined()) {
            long jdkBlock = jdk.allocate(256, 64).address();
            long theirSmall = other.malloc(64);
            long theirLarge = other.malloc(1 << 20);
            // The JDK's memory, another rtmalloc allocator's blocks, and numbers that are no block at all.
            for (long x : new long[] {jdkBlock, jdkBlock + 64, theirSmall, theirLarge, 8, 4096, -8,
                    Long.MIN_VALUE, Long.MAX_VALUE & ~7L, 1L << 47, 0x7fff_dead_bee8L}) {
                refusesAddress(a, x, 64);
            }
            other.free(theirSmall);
            other.free(theirLarge);
        } finally {
            other.close();
        }
        // Address 0 is no block: freeing it does nothing.
        List<Long> before = figures(a);
        a.free(0);
        a.free(0, 64);
        assertEquals(before, figures(a));
        freeWitnesses(a);
        stillWorks(a);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_ofAnInteriorOrMisalignedAddress_isRefused_andChangesNothing(String fe) {
        Allocator a = make(fe, QUIET);
        witnesses(a);
        long page = a.config().pageSize();
        for (long[] w : List.copyOf(witnesses)) {
            long p = w[0];
            long usable = w[3];
            for (long off : new long[] {1, 3, 7, 8, 16, 40, usable / 2 + 1, usable - 8, usable - 1, page, page + 8}) {
                if (off > 0 && off < usable) {
                    refusesAddress(a, p + off, w[1]);
                }
            }
        }
        freeWitnesses(a);
        stillWorks(a);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_ofABlockBoundaryNeverHandedOut_inAFreshSpan_isRefused(String fe) {
        Allocator a = make(fe, QUIET);
        SizeClasses classes = a.config().sizeClasses();
        int page = classes.pageSize();
        int tried = 0;
        for (int cl = 1; cl <= classes.count(); cl++) {
            long size = classes.size(cl);
            // A front end takes at most a batch from a fresh class, so the block handed out is one of the
            // span's first `taken`; the span is carved a page at a time, up to the page where the last of
            // them starts: every block from `carved` up was never handed out.
            int taken = classes.batchSize(cl);
            long lastPage = (taken - 1) * size / page;
            long carved = ((lastPage + 1) * page + size - 1) / size;
            long kTo = classes.objectsPerSpan(cl) - taken; // keeps p + k * size inside the span
            if (carved >= kTo) {
                continue;
            }
            tried++;
            long p = witness(a.malloc(size), size);
            for (long k = carved; k < kTo; k++) {
                long x = p + k * size;
                IllegalArgumentException e = refused(a, IllegalArgumentException.class, () -> a.free(x));
                assertTrue(e.getMessage().contains("never handed out"), e.getMessage());
                refusesAddress(a, x, size);
            }
        }
        assertTrue(tried > 0, "no class of the default configuration has spans of several pages");
        freeWitnesses(a);
        stillWorks(a);
        assertBalanced(a);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void free_ofAnAddressInsideAFreeSpan_isRefused(String fe) {
        Allocator a = make(fe, QUIET);
        witnesses(a);
        long page = a.config().pageSize();
        long large = a.malloc(1 << 20);
        a.free(large);
        // Nothing was allocated since: the pages are free.
        for (long x : new long[] {large, large + 8, large + page, large + (1 << 20) - page}) {
            refusesAddress(a, x, 1 << 20);
        }
        long aligned = a.alignedAlloc(1 << 20, 100);
        a.free(aligned, 100);
        refusesAddress(a, aligned, 100);
        // A small span whose every block came back went back to the page heap.
        long lone = a.malloc(131_072);
        a.free(lone);
        a.releaseFreeMemory();
        refusesAddress(a, lone, 131_072);
        freeWitnesses(a);
        stillWorks(a);
        assertBalanced(a);
    }

    /**
     * Allocates a block of {@code size} in a fresh allocator (the first block
     * of its class: its list is short of its limit), frees it twice, and
     * answers whether the second free was refused; if so, checks that the
     * block is handed out once only afterwards.
     */
    private static boolean doubleFreeAtTheHeadRefused(String variant, long size, boolean sized) {
        return doubleFreeAtTheHeadRefused(variant, QUIET, size, sized);
    }

    private static boolean doubleFreeAtTheHeadRefused(String variant, Config config, long size, boolean sized) {
        Allocator owner = RtMalloc.builder().frontEnd(frontEndOf(variant)).config(config).build();
        try {
            Allocator a = variant.endsWith(BOUND) ? owner.threadBound() : owner;
            long p = a.malloc(size);
            if (sized) {
                a.free(p, size);
            } else {
                a.free(p);
            }
            try {
                if (sized) {
                    a.free(p, size);
                } else {
                    a.free(p);
                }
                return false;
            } catch (IllegalArgumentException expected) {
                // refused: the block is free once
            }
            long q = a.malloc(size);
            long r = a.malloc(size);
            assertNotEquals(q, r, "a block freed twice was handed out twice");
            a.free(q);
            a.free(r);
            assertBalanced(a);
            a.checkInvariants();
            return true;
        } finally {
            owner.close();
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void doubleFree_ofTheBlockAtTheHeadOfItsList_isRefused(String fe) {
        for (long size : new long[] {16, 64, 1000, 8192, 40_000, 200_000, 1 << 20}) {
            for (boolean sized : new boolean[] {false, true}) {
                // The per-CPU front end pushes onto the list of the CPU the thread runs on: should the
                // thread move between the two frees, the second meets another list. A few fresh tries.
                int tries = frontEndOf(fe).equals("percpu") ? 3 : 1;
                boolean refused = false;
                for (int t = 0; t < tries && !refused; t++) {
                    refused = doubleFreeAtTheHeadRefused(fe, size, sized);
                }
                assertTrue(refused, "free(p); free(p) of " + size + " bytes" + (sized ? ", sized," : "")
                        + " was not refused");
            }
        }
    }

    /**
     * A thread cache whose budget (64 KiB) never has room for a 256 KiB block
     * passes each free of one straight on to the transfer cache, where the
     * block given back twice is the last one given back: refused there. A
     * block of a class with room stays at the head of its list, as above.
     */
    @ParameterizedTest
    @MethodSource("variants")
    void doubleFree_isRefused_whenTheThreadCacheHasNoRoomForTheClass(String fe) {
        Config tight = QUIET.toBuilder().minPerThreadCache(64 << 10).threadCacheSize(64 << 10).build();
        for (long size : new long[] {64, 40_000, 200_000}) {
            for (boolean sized : new boolean[] {false, true}) {
                int tries = frontEndOf(fe).equals("percpu") ? 3 : 1;
                boolean refused = false;
                for (int t = 0; t < tries && !refused; t++) {
                    refused = doubleFreeAtTheHeadRefused(fe, tight, size, sized);
                }
                assertTrue(refused, "free(p); free(p) of " + size + " bytes" + (sized ? ", sized," : "")
                        + " with a 64 KiB thread-cache budget was not refused");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void sizedFree_acceptsEverySizeFromTheRequestedToTheUsable_andRefusesANegativeOne(String fe) {
        Allocator a = make(fe, QUIET);
        // {alignment (0: malloc), size}: small, aligned small, whole pages, aligned whole pages.
        long[][] kinds = {{0, 0}, {0, 1}, {0, 8}, {0, 100}, {0, 1000}, {0, 5000}, {0, 100_000}, {64, 142},
                {4096, 100}, {0, 300_000}, {0, 1 << 20}, {1 << 20, 100}, {1 << 16, 5000}};
        for (long[] kind : kinds) {
            long alignment = kind[0];
            long size = kind[1];
            long first = alloc(a, alignment, size);
            long usable = a.usableSize(first);
            a.free(first);
            assertTrue(usable >= size);
            for (long s : new long[] {size, size + 1, (size + usable) / 2, usable - 1, usable}) {
                if (s < size || s > usable) {
                    continue;
                }
                long p = alloc(a, alignment, size);
                assertEquals(usable, a.usableSize(p));
                assertDoesNotThrow(() -> a.free(p, s), () -> "free(p, " + s + ") of " + alignment + "/" + size);
            }
            long p = witness(alloc(a, alignment, size), size);
            refused(a, IllegalArgumentException.class, () -> a.free(p, -1));
            refused(a, IllegalArgumentException.class, () -> a.free(p, Long.MIN_VALUE));
            freeWitnesses(a);
        }
        stillWorks(a);
        assertBalanced(a);
    }

    private static long alloc(Allocator a, long alignment, long size) {
        long p = alignment == 0 ? a.malloc(size) : a.alignedAlloc(alignment, size);
        assertEquals(0, p % Math.max(alignment, 8), "misaligned block");
        return p;
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void everyCall_afterClose_isIllegalState_throughTheAllocatorAndItsView(String fe) {
        Allocator a = RtMalloc.builder().frontEnd(fe).config(QUIET).build();
        Allocator view = a.threadBound();
        long small = a.malloc(64);
        long large = a.malloc(1 << 20);
        long viewed = view.malloc(100);
        a.close();
        for (Allocator x : List.of(a, view)) {
            for (Executable call : List.<Executable>of(
                    () -> x.malloc(16), () -> x.malloc(0), () -> x.malloc(1 << 20), () -> x.calloc(2, 8),
                    () -> x.realloc(small, 128), () -> x.realloc(large, 16), () -> x.realloc(0, 16),
                    () -> x.alignedAlloc(64, 64), () -> x.alignedAlloc(1 << 20, 8),
                    () -> x.free(small), () -> x.free(small, 64), () -> x.free(viewed), () -> x.free(viewed, 100),
                    () -> x.free(large), () -> x.free(large, 1 << 20), () -> x.free(8), () -> x.free(small + 8),
                    () -> x.usableSize(small), () -> x.usableSize(large), () -> x.allocate(8, 8),
                    x::newArena, x::newSharedArena, x::releaseFreeMemory, x::flushThreadCache,
                    x::checkInvariants, x::stats, x::threadBound)) {
                assertThrows(IllegalStateException.class, call);
            }
            assertDoesNotThrow(() -> x.free(0));
            assertDoesNotThrow(() -> x.free(0, 64));
            assertEquals(fe, x.frontEnd());
        }
        assertThrows(UnsupportedOperationException.class, view::close);
        assertDoesNotThrow(a::close); // again: nothing to do
    }
}
