package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.SizeClasses;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Misuse of the raw API that damages the caller's own blocks, and calls
 * racing {@code close()}, as a program of its own, so that a forked JVM runs
 * it ({@link RawMisuseForkedTest}): rtmalloc must never crash the JVM, read
 * or write outside its memory or hand out an address outside its heap, and
 * must go on working. It prints {@code ok} and exits 0 when every scenario
 * held; anything else (an unexpected exception, an address outside the heap,
 * a crash) fails the test without taking the test run down.
 *
 * <p>Arguments: the scenario and the front end. Each scenario runs over the
 * allocator and over its thread-bound view.
 */
public final class RawMisuseScenarios {

    private RawMisuseScenarios() {
    }

    public static void main(String[] args) throws Exception {
        String frontEnd = args[1];
        switch (args[0]) {
            case "damaged-next-pointer" -> damagedNextPointer(frontEnd);
            case "double-free-then-churn" -> doubleFreeThenChurn(frontEnd);
            case "close-racing-calls" -> closeRacingCalls(frontEnd);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("ok");
    }

    // ---------------------------------------------------------------- helpers

    /** A write through a raw address, as a program that uses a block after freeing it would make. */
    static void poke(long address, long value) {
        MemorySegment.ofAddress(address).reinterpret(8).set(ValueLayout.JAVA_LONG, 0, value);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    /** Whether {@code e} names size class {@code cl}, as the error of a damaged list must. */
    static boolean namesClass(Throwable e, int cl) {
        return e.getMessage() != null && Pattern.compile("size class " + cl + "\\b").matcher(e.getMessage()).find();
    }

    /**
     * The heap's readable and writable memory: the run of contiguous
     * readable and writable mappings of {@code /proc/self/maps} from the one
     * that holds {@code anchor} (a block of the allocator) upwards, since the
     * page heap maps its memory as a prefix of one reserved range. Read on
     * demand: it grows with the heap.
     */
    static boolean inHeap(long anchor, long address) throws IOException {
        long start = -1;
        long end = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int space = line.indexOf(' ');
            String range = line.substring(0, space);
            boolean rw = line.startsWith("rw", space + 1);
            int dash = range.indexOf('-');
            long from = Long.parseUnsignedLong(range, 0, dash, 16);
            long to = Long.parseUnsignedLong(range, dash + 1, range.length(), 16);
            if (start < 0) {
                if (rw && Long.compareUnsigned(anchor, from) >= 0 && Long.compareUnsigned(anchor, to) < 0) {
                    start = from;
                    end = to;
                }
            } else if (rw && from == end) {
                end = to;
            } else {
                break;
            }
        }
        return start >= 0 && Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /**
     * Checks an address malloc handed out after misuse: a block of at least
     * {@code size} bytes ({@code usableSize} accepts it), or at least an
     * address inside the heap. Misuse that damaged the caller's blocks may
     * make rtmalloc hand out anything its range check admits: a block handed
     * out twice, one of a smaller class whose span went back to the page
     * heap and came out again for another class, an address inside a block;
     * writing there damages the caller's blocks and the next pointers the
     * range checks guard, nothing of rtmalloc's.
     *
     * @return whether it is a block of at least {@code size} bytes
     */
    static boolean checkHandedOut(Allocator a, long anchor, long p, long size) throws IOException {
        try {
            if (a.usableSize(p) >= size) {
                return true;
            }
        } catch (IllegalArgumentException notABlock) {
            // checked below
        }
        check(inHeap(anchor, p), "malloc(" + size + ") handed out " + hex(p) + ", outside the heap");
        return false;
    }

    /**
     * Gives what the caches hold back until a release finds no more damage
     * (each damaged list found is dropped), then shows that the allocator
     * goes on: every size class and whole pages. With {@code strict}, the
     * damage was only dropped lists, so the invariants must hold, every block
     * must be one of the allocator's, and no two may overlap; otherwise the
     * caller's blocks may have been handed out twice, and every address must
     * only lie inside the heap.
     */
    static void recoverAndKeepGoing(Allocator a, long anchor, boolean strict) throws IOException {
        boolean clean = false;
        for (int i = 0; i < 20 && !clean; i++) {
            try {
                a.releaseFreeMemory();
                clean = true;
            } catch (IllegalStateException | IllegalArgumentException damageFound) {
                // a damaged list met while giving back, dropped: try again
            }
        }
        check(clean, "releaseFreeMemory() kept finding damage");
        if (strict) {
            a.checkInvariants();
        }
        Set<Long> seen = new HashSet<>();
        List<long[]> blocks = new ArrayList<>();
        long tag = 0;
        for (int round = 0; round < 4; round++) {
            for (long size : new long[] {8, 16, 64, 100, 1000, 4096, 8192, 40_000, 262_144, 300_000, 1 << 20}) {
                long p = a.malloc(size);
                if (!strict) {
                    checkHandedOut(a, anchor, p, size);
                    continue;
                }
                check(a.usableSize(p) >= size, "a block too small after the damage");
                check(seen.add(p), "a block handed out twice after the damage was dropped: " + hex(p));
                Blocks.stamp(p, size, ++tag);
                blocks.add(new long[] {p, size, tag});
            }
        }
        for (long[] b : blocks) {
            check(Blocks.intact(b[0], b[1], b[2]), "blocks overlap after the damage was dropped");
            a.free(b[0], b[1]);
        }
        if (strict) {
            a.checkInvariants();
        }
    }

    /** The allocator and its thread-bound view, for a scenario to run over both. */
    static List<String> views() {
        return List.of("allocator", "thread-bound view");
    }

    static Allocator view(Allocator owner, String view) {
        return view.equals("allocator") ? owner : owner.threadBound();
    }

    // ---------------------------------------------------------------- damaged next pointers

    /** Garbage a program writes over a freed block's first word, and whether it lies in the heap. */
    record Garbage(String what, long value, boolean inHeap) {
    }

    /**
     * The garbage of one round: addresses outside the heap, an address inside
     * it that is no block (inside a live block, its word there 0), and a live
     * block of the same class (its first word 0).
     */
    static List<Garbage> garbage(long interior, long sameClass, long jdkMemory) {
        return List.of(new Garbage("0x7fffdeadbeef", 0x7fff_dead_beefL, false), new Garbage("1", 1, false),
                new Garbage("-8", -8, false), new Garbage("Long.MIN_VALUE", Long.MIN_VALUE, false),
                new Garbage("the JDK's memory", jdkMemory, false),
                new Garbage("inside a live block", interior, true),
                new Garbage("a live block of the class", sameClass, true));
    }

    /**
     * A freed small block's first word overwritten with garbage, once while
     * the block waits in the front end's cache, once while it waits in its
     * span's free set in the central tier.
     */
    static void damagedNextPointer(String frontEnd) throws IOException {
        try (Arena jdk = Arena.ofConfined()) {
            long jdkMemory = jdk.allocate(64, 8).address();
            for (String view : views()) {
                for (long size : new long[] {16, 64, 1000, 8192}) {
                    for (int g = 0; g < 7; g++) {
                        damagedInTheFrontEnd(frontEnd, view, size, g, jdkMemory);
                        if (size < 8192) { // classes with several blocks per span
                            damagedInTheCentralList(frontEnd, view, size, g, jdkMemory);
                        }
                    }
                }
            }
        }
    }

    /**
     * Frees a block, overwrites its next pointer, allocates on: every pop
     * either hands out a block, or the planted address when it lies in the
     * heap, or throws {@link IllegalStateException} naming the class (the
     * list is dropped). The thread cache's list is the calling thread's, so
     * the pop that meets the garbage is one of these; a CPU's list may be met
     * later, by the release; the global front end keeps no list of its own.
     */
    static void damagedInTheFrontEnd(String frontEnd, String viewName, long size, int g, long jdkMemory)
            throws IOException {
        Allocator owner = RtMalloc.builder().frontEnd(frontEnd).build();
        try {
            Allocator a = view(owner, viewName);
            int cl = a.config().sizeClasses().classOf(size);
            long anchor = a.malloc(8);
            long other = a.malloc(256);
            long sameClass = a.malloc(size);
            poke(other + 8, 0);
            poke(sameClass, 0);
            Garbage garbage = garbage(other + 8, sameClass, jdkMemory).get(g);
            String what = frontEnd + ", " + viewName + ", " + size + " bytes, next pointer := " + garbage.what();

            List<Long> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(a.malloc(size));
            }
            long p = held.removeLast();
            a.free(p);
            poke(p, garbage.value()); // use after free
            int damageFound = 0;
            for (int i = 0; i < 8; i++) {
                try {
                    long q = a.malloc(size);
                    if (q == garbage.value() && garbage.inHeap()) {
                        continue; // handed out from the damaged list: the caller's damage, not freed
                    }
                    check(checkHandedOut(a, anchor, q, size), what + ": " + hex(q) + " is no block");
                    held.add(q);
                } catch (IllegalStateException e) {
                    check(namesClass(e, cl), what + ": the error does not name class " + cl + ": " + e);
                    damageFound++;
                }
            }
            if (frontEnd.equals("threadcache") && !garbage.inHeap()) {
                check(damageFound == 1, what + ": the thread's own pop did not report the damage once: "
                        + damageFound);
            }
            for (long q : held) {
                a.free(q);
            }
            a.free(sameClass);
            a.free(other);
            recoverAndKeepGoing(a, anchor, !garbage.inHeap());
        } finally {
            owner.close();
        }
    }

    /**
     * Frees blocks of one span (one kept, so that the span stays), gives
     * every cache back so that they wait in the span's own free set, writes
     * garbage over the first word of every freed block, and allocates: the
     * central list keeps its free blocks as bits on the Java heap and reads
     * no block, so every allocation succeeds with a block of the class, never
     * the garbage, nor the live block the garbage may name.
     */
    static void damagedInTheCentralList(String frontEnd, String viewName, long size, int g, long jdkMemory)
            throws IOException {
        Allocator owner = RtMalloc.builder().frontEnd(frontEnd).build();
        try {
            Allocator a = view(owner, viewName);
            SizeClasses classes = a.config().sizeClasses();
            int cl = classes.classOf(size);
            long anchor = a.malloc(8);
            long other = a.malloc(256);
            poke(other + 8, 0);
            List<Long> blocks = new ArrayList<>();
            int n = Math.min(classes.objectsPerSpan(cl), 4 * classes.batchSize(cl));
            for (int i = 0; i < n; i++) {
                blocks.add(a.malloc(size));
            }
            long kept = blocks.removeFirst();
            poke(kept, 0);
            Garbage garbage = garbage(other + 8, kept, jdkMemory).get(g);
            String what = frontEnd + ", " + viewName + ", " + size + " bytes in the central list, next pointer := "
                    + garbage.what();
            // Blocks the caches took but never handed out go back first, so that the span's list starts
            // with blocks of ours.
            a.releaseFreeMemory();
            for (long b : blocks) {
                a.free(b);
            }
            a.releaseFreeMemory(); // every cache to the central lists
            for (long b : blocks) {
                poke(b, garbage.value()); // use after free, over every block freed
            }
            List<Long> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long q = a.malloc(size);
                check(q != garbage.value() && q != kept, what + ": handed out " + hex(q) + ", the garbage or a live"
                        + " block");
                check(checkHandedOut(a, anchor, q, size), what + ": " + hex(q) + " is no block");
                held.add(q);
            }
            for (long q : held) {
                a.free(q);
            }
            a.free(kept);
            a.free(other);
            recoverAndKeepGoing(a, anchor, true); // nothing was damaged
        } finally {
            owner.close();
        }
    }

    // ---------------------------------------------------------------- double frees, then churn

    /**
     * Double frees that are not at the head of their list (not always
     * detected), each followed by heavy allocation that writes every block it
     * gets: a block handed out twice, a next pointer overwritten by the
     * second owner, are the caller's damage; rtmalloc must hand out only
     * addresses inside its heap, report what it finds with
     * {@link IllegalStateException} or {@link IllegalArgumentException}, and
     * go on.
     */
    static void doubleFreeThenChurn(String frontEnd) throws IOException {
        for (String viewName : views()) {
            Allocator owner = RtMalloc.builder().frontEnd(frontEnd).build();
            try {
                Allocator a = view(owner, viewName);
                long anchor = a.malloc(8);
                Random rnd = new Random(42);
                int outsideBlocks = 0;
                for (int round = 0; round < 40; round++) {
                    long size = switch (round % 5) {
                        case 0 -> 16;
                        case 1 -> 64;
                        case 2 -> 1000;
                        case 3 -> 40_000;
                        default -> 300_000;
                    };
                    long p = mallocPastDamage(a, size);
                    long q = mallocPastDamage(a, size);
                    boolean sized = round % 2 == 0;
                    freeQuietly(a, p, sized ? size : -1);
                    freeQuietly(a, q, sized ? size : -1);
                    freeQuietly(a, p, sized ? size : -1); // not at the head: q is
                    outsideBlocks += churn(a, anchor, rnd, 2_000);
                    try {
                        if (round % 4 == 3) {
                            a.releaseFreeMemory();
                        }
                        a.checkInvariants(); // may report the damage, never crash
                    } catch (IllegalStateException | IllegalArgumentException damageFound) {
                        // reported
                    }
                }
                // After all that, the allocator must still hand out memory of its own.
                for (int i = 0; i < 3; i++) {
                    outsideBlocks += churn(a, anchor, rnd, 5_000);
                }
                System.out.println(frontEnd + ", " + viewName + ": " + outsideBlocks
                        + " address(es) inside the heap but no block of the size asked for handed out after the"
                        + " double frees");
            } finally {
                owner.close();
            }
        }
    }

    /** A malloc that may meet a list the earlier rounds damaged: each one met is dropped. */
    static long mallocPastDamage(Allocator a, long size) {
        for (int i = 0; ; i++) {
            try {
                return a.malloc(size);
            } catch (IllegalStateException damagedList) {
                check(i < 10, "malloc(" + size + ") kept meeting damaged lists: " + damagedList);
            }
        }
    }

    /** A free that may find a double free: {@code size} -1 for an unsized one. */
    static void freeQuietly(Allocator a, long p, long size) {
        try {
            if (size < 0) {
                a.free(p);
            } else {
                a.free(p, size);
            }
        } catch (IllegalArgumentException doubleFreeFound) {
            // detected
        }
    }

    /**
     * {@code ops} random allocations and frees, every block written over its
     * first words; a block handed out twice is freed by both its holders.
     *
     * @return how many addresses handed out were inside the heap but no block of the size asked for
     */
    static int churn(Allocator a, long anchor, Random rnd, int ops) throws IOException {
        List<long[]> held = new ArrayList<>();
        int notBlocks = 0;
        for (int op = 0; op < ops; op++) {
            if (held.size() < 256 && (held.isEmpty() || rnd.nextInt(3) != 0)) {
                int r = rnd.nextInt(100);
                long size = r < 70 ? rnd.nextInt(1024) : r < 95 ? rnd.nextInt(65_536) : 262_145 + rnd.nextInt(1 << 20);
                long p;
                try {
                    p = a.malloc(size);
                } catch (IllegalStateException damagedList) {
                    continue; // the list is dropped
                }
                if (!checkHandedOut(a, anchor, p, size)) {
                    notBlocks++;
                    continue; // not a block of that size: never freed
                }
                // Data, never an address: written over a block on a free list, it sends the pop to its
                // range check.
                for (long off = 0; off + 8 <= Math.min(size, 64); off += 8) {
                    poke(p + off, 0x5A5A_0000_0000_0000L | op);
                }
                held.add(new long[] {p, size});
            } else {
                long[] b = held.remove(rnd.nextInt(held.size()));
                try {
                    if (rnd.nextBoolean()) {
                        a.free(b[0]);
                    } else {
                        a.free(b[0], b[1]);
                    }
                } catch (IllegalArgumentException doubleFree) {
                    // freed twice by its two holders
                } catch (IllegalStateException damagedList) {
                    // met while giving a batch back
                }
            }
        }
        for (long[] b : held) {
            try {
                a.free(b[0]);
            } catch (IllegalArgumentException | IllegalStateException damage) {
                // as above
            }
        }
        return notBlocks;
    }

    // ---------------------------------------------------------------- close racing calls

    /**
     * Four threads (two through the allocator, two through thread-bound
     * views) call malloc, free, sized free, calloc, realloc, usableSize,
     * large blocks and segments of {@code allocate} in a loop while the main
     * thread closes the allocator, retrying while it refuses because a
     * segment is live. Every racing call must complete or throw
     * {@link IllegalStateException} (or, for a call given an address,
     * {@link IllegalArgumentException}: the heap it looked in was empty);
     * 20 fresh allocators.
     */
    static void closeRacingCalls(String frontEnd) throws Exception {
        for (int round = 0; round < 20; round++) {
            Allocator a = RtMalloc.builder().frontEnd(frontEnd).build();
            AtomicBoolean stop = new AtomicBoolean();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch ready = new CountDownLatch(4);
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int id = w;
                long seed = round * 31L + w;
                workers.add(Thread.ofPlatform().name("racer-" + w).start(() -> {
                    try {
                        Allocator mine = id % 2 == 0 ? a : a.threadBound();
                        ready.countDown();
                        race(mine, new Random(seed), stop);
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            ready.await();
            Random rnd = new Random(round);
            Thread.sleep(1 + rnd.nextInt(15));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                try {
                    a.close();
                    break;
                } catch (IllegalStateException refused) {
                    check(refused.getMessage().contains("segment"), "close refused: " + refused);
                    check(System.nanoTime() < deadline, "close refused for 5 s: " + refused);
                    Thread.onSpinWait();
                }
            }
            Thread.sleep(2); // calls after the close, too
            stop.set(true);
            for (Thread t : workers) {
                t.join(TimeUnit.SECONDS.toMillis(20));
                check(!t.isAlive(), t.getName() + " did not stop");
            }
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError(frontEnd + ", round " + round + ": a call racing close() failed");
                failures.forEach(e::addSuppressed);
                throw e;
            }
            try {
                a.malloc(16);
                throw new AssertionError("malloc after close() answered");
            } catch (IllegalStateException expected) {
                // closed
            }
        }
    }

    /** One racer's loop; fails on any outcome but a completed call or an allowed exception. */
    static void race(Allocator a, Random rnd, AtomicBoolean stop) {
        List<long[]> held = new ArrayList<>(); // {address, size, 1 for whole pages}
        while (!stop.get()) {
            int op = rnd.nextInt(9);
            String call = "op " + op;
            try {
                switch (op) {
                    case 0, 1 -> {
                        long size = rnd.nextInt(2048);
                        call = "malloc(" + size + ")";
                        long p = a.malloc(size);
                        if (size >= 8) {
                            poke(p, size);
                        }
                        held.add(new long[] {p, size, 0});
                    }
                    case 2 -> {
                        long size = 262_145 + rnd.nextInt(2 << 20);
                        call = "malloc(" + size + ")";
                        long p = a.malloc(size);
                        poke(p + ((size - 8) & ~7L), size);
                        held.add(new long[] {p, size, 1});
                    }
                    case 3 -> {
                        call = "calloc";
                        held.add(new long[] {a.calloc(1 + rnd.nextInt(16), 1 + rnd.nextInt(256)), 1, 0});
                    }
                    case 4 -> {
                        if (!held.isEmpty()) {
                            long[] b = held.removeLast();
                            long size = rnd.nextInt(4) == 0 ? 262_145 + rnd.nextInt(1 << 20) : rnd.nextInt(4096);
                            call = "realloc(" + b[1] + " bytes, " + size + ")";
                            // Grown to half a page or more, a small block moves to whole pages.
                            held.add(new long[] {a.realloc(b[0], size), size, size >= 4096 ? 1 : 0});
                        }
                    }
                    case 5 -> {
                        long size = 8 + rnd.nextInt(rnd.nextInt(8) == 0 ? 300_000 : 512);
                        call = "allocate(" + size + ") and free(segment)";
                        MemorySegment s = a.allocate(size, 8);
                        try {
                            s.set(ValueLayout.JAVA_LONG, 0, size);
                        } finally {
                            a.free(s);
                        }
                    }
                    case 6 -> {
                        if (!held.isEmpty()) {
                            long[] b = held.get(rnd.nextInt(held.size()));
                            call = "usableSize(" + b[1] + " bytes)";
                            a.usableSize(b[0]);
                        }
                    }
                    default -> {
                        if (!held.isEmpty()) {
                            long[] b = held.remove(rnd.nextInt(held.size()));
                            // For whole pages, usableSize, realloc and a sized free look the span up twice:
                            // a close between the lookups makes the second an IllegalStateException.
                            boolean sized = rnd.nextBoolean();
                            call = (sized ? "sized " : "") + "free(" + b[1] + " bytes)";
                            if (sized) {
                                a.free(b[0], b[1]);
                            } else {
                                a.free(b[0]);
                            }
                        }
                    }
                }
            } catch (IllegalStateException closed) {
                // refused: the allocator is closed (or closing)
            } catch (IllegalArgumentException emptyHeap) {
                if (op < 4) { // only a call given an address (or freeing one) looks in the heap
                    throw new AssertionError(call + " racing close() threw " + emptyHeap, emptyHeap);
                }
            } catch (Throwable t) {
                throw new AssertionError(call + " racing close() threw " + t, t);
            }
            if (held.size() > 32) {
                long[] b = held.removeFirst();
                try {
                    a.free(b[0]);
                } catch (IllegalStateException closed) {
                    // refused
                } catch (IllegalArgumentException emptyHeap) {
                    // the heap it looked in was empty
                }
            }
        }
    }
}
