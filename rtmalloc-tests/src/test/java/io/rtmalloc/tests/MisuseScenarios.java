package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;

/**
 * Misuse that once crashed the JVM or handed out memory rtmalloc never owned,
 * as a program of its own, so that a forked JVM can run it
 * ({@link SegmentMisuseForkedTest}): it prints {@code ok} and exits 0 when every
 * misuse was refused and the allocator kept working; anything else (an
 * unexpected exception, a block handed out twice, a crash) fails the test
 * without taking the test run down.
 */
public final class MisuseScenarios {

    private MisuseScenarios() {
    }

    public static void main(String[] args) {
        String frontEnd = args[1];
        Allocator a = RtMalloc.builder().frontEnd(frontEnd).build();
        switch (args[0]) {
            case "double-free-then-write" -> doubleFreeThenWrite(a);
            case "free-arena-block-by-address" -> freeArenaBlockByAddress(a);
            case "free-interior-slice" -> freeInteriorSlice(a);
            default -> throw new IllegalArgumentException(args[0]);
        }
        a.checkInvariants();
        System.out.println("ok");
    }

    private static void expect(Class<? extends Throwable> type, Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return;
            }
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError("expected " + type.getSimpleName() + ", nothing thrown");
    }

    /** Free a segment twice, write through a segment the caller owns, then allocate a lot. */
    private static void doubleFreeThenWrite(Allocator a) {
        for (int round = 0; round < 1000; round++) {
            MemorySegment s = a.allocate(64, 8);
            a.free(s);
            expect(IllegalStateException.class, () -> a.free(s));
            MemorySegment owned = a.allocate(64, 8);
            owned.set(ValueLayout.JAVA_LONG, 0, 0x7fff_dead_beefL); // would be a next pointer if s were free twice
            Set<Long> seen = new HashSet<>();
            MemorySegment[] more = new MemorySegment[64];
            for (int i = 0; i < more.length; i++) {
                more[i] = a.allocate(64, 8);
                if (!seen.add(more[i].address()) || more[i].address() == owned.address()) {
                    throw new AssertionError("a block handed out twice");
                }
                more[i].set(ValueLayout.JAVA_LONG, 56, i);
            }
            for (MemorySegment m : more) {
                a.free(m);
            }
            a.free(owned);
        }
    }

    /** Free a live arena block through a segment made by address, then close the arena. */
    private static void freeArenaBlockByAddress(Allocator a) {
        for (int round = 0; round < 1000; round++) {
            Arena arena = a.newArena();
            MemorySegment s = arena.allocate(64);
            expect(IllegalArgumentException.class, () -> a.free(MemorySegment.ofAddress(s.address()).reinterpret(64)));
            MemorySegment other = a.allocate(64, 8);
            other.set(ValueLayout.JAVA_LONG, 0, 1);
            s.set(ValueLayout.JAVA_LONG, 0, 2);
            if (other.get(ValueLayout.JAVA_LONG, 0) != 1) {
                throw new AssertionError("the arena's block was handed out again");
            }
            arena.close();
            a.free(other);
        }
    }

    /** Free an interior slice of a live segment, then allocate what would overlap it. */
    private static void freeInteriorSlice(Allocator a) {
        for (int round = 0; round < 1000; round++) {
            MemorySegment s = a.allocate(128, 8);
            expect(IllegalArgumentException.class, () -> a.free(s.asSlice(16)));
            MemorySegment t = a.allocate(64, 8);
            if (t.address() < s.address() + 128 && s.address() < t.address() + 64) {
                throw new AssertionError("overlapping segments");
            }
            a.free(t);
            a.free(s);
        }
    }
}
