package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.Switches;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A stateful random test of the raw API against a model, with misuse mixed
 * in: per front end, a long run of random steps, each checked against a map
 * of the live blocks (address to requested size, usable size and stamp).
 *
 * <ul>
 *   <li>Steps: {@code malloc} (0 to 64 KiB, some up to 256 KiB, a few whole-page
 *       blocks up to 4 MiB), {@code calloc} (checked zeroed), {@code realloc}
 *       (content kept up to the smaller size), {@code alignedAlloc} (checked
 *       aligned), {@code free}, sized free with any size from the requested
 *       to the usable one, {@code usableSize} (at least the requested size,
 *       and unchanged), a check of a block's stamp. Every block handed out
 *       must overlap no live block, and is stamped over its whole requested
 *       size with a pattern of its own, checked before it is freed or
 *       reallocated: a block handed out twice, or one that overlaps another,
 *       shows as a stamp overwritten.</li>
 *   <li>Misuse, about one step in ten, only of the kinds whose outcome is
 *       defined as detected: free, sized free, {@code usableSize} and
 *       {@code realloc} of interior, misaligned, foreign, never-mapped
 *       addresses and of addresses inside a free span; double free at the head
 *       (of whole-page blocks everywhere; of small blocks with the global and
 *       thread-cache front ends, where the block stays on top of the list it
 *       joins, or, in a thread cache with no room for its class, of the
 *       transfer cache it goes on to; not per CPU, where a thread may move to
 *       another CPU's cache between the two frees: {@link RawMisuseTest} checks
 *       the CPU caches on fresh allocators); sized free above the usable size (refused for whole
 *       pages, and for small blocks in checked mode; in the default mode a
 *       small block is freed as what it is); negative sizes; absurd alignments;
 *       huge sizes. Each must throw its exception and change no live block;
 *       the allocator then goes on.</li>
 *   <li>Misuse that damages the caller's own blocks (a next pointer written
 *       after a free, a double free not at the head) would break the model;
 *       it is in {@link RawMisuseScenarios}.</li>
 * </ul>
 *
 * Each step goes through the allocator or, at random, its thread-bound view.
 * Every {@link #CHECK_EVERY} steps the invariants of every tier are checked,
 * every live block's stamp, and that the stats count exactly the usable bytes
 * of the live blocks as in use.
 *
 * <p>Steps per front end: {@code -Drtmalloc.test.steps} (default 1,000,000,
 * about 8 s per front end on 2 cores). The long profile, ten million steps
 * per front end, runs on demand:
 * <pre>
 *   ./build.sh -pl rtmalloc-tests -am test-compile surefire:test -Dtest=RawApiModelTest \
 *       -Dsurefire.failIfNoSpecifiedTests=false -Drtmalloc.test.steps=10000000
 * </pre>
 * The seed is new for each run and is printed with any failure;
 * {@code -Drtmalloc.test.seed} replays one (the per-CPU front end also
 * depends on which CPU the thread runs on).
 */
class RawApiModelTest extends FrontEndSuite {

    static final long STEPS = Long.getLong("rtmalloc.test.steps", 1_000_000);
    static final int CHECK_EVERY = 25_000;
    /** Bounds on what is live at once, beyond which allocations turn into frees. */
    static final int MAX_LIVE = 4_000;
    static final long MAX_LIVE_BYTES = 48L << 20;
    /** The largest block a step asks for. */
    static final long LARGEST = 4L << 20;
    /** Stamps start at a multiple of 8 below this in the pattern. */
    static final long STAMP_OFFSETS = 64L << 10;

    /** Blocks given back by a sized free above their usable size (default mode: freed as what they are). */
    static final boolean SIZE_CHECKED = Switches.CHECKED;

    /** What the model knows of a block's kind, for the misuse whose outcome depends on it. */
    static final int SMALL = 0;
    static final int WHOLE_PAGES = 1;
    static final int UNKNOWN = 2;

    /** A live block of the model. */
    static final class Live {
        final long address;
        final long size;
        final int kind;
        long usable;
        long stamp;
        int index;

        Live(long address, long size, int kind) {
            this.address = address;
            this.size = size;
            this.kind = kind;
        }

        @Override
        public String toString() {
            return "0x" + Long.toHexString(address) + " (" + size + " bytes, usable " + usable + ")";
        }
    }

    /** The run's state: the allocator, its view, the model, and what the last step did. */
    private Allocator view;
    private SizeClasses classes;
    private long pageSize;
    private SplittableRandom rnd;
    private final TreeMap<Long, Live> byAddress = new TreeMap<>();
    private final List<Live> live = new ArrayList<>();
    private long liveBytes;
    private MemorySegment pattern;
    private MemorySegment zeroes;
    private long foreignJdk;
    private long[] foreignRtmalloc;
    private String step = "";
    private final long[] misuseCounts = new long[12];

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void randomSteps_withMisuse_matchTheModel(String fe) {
        String given = System.getProperty("rtmalloc.test.seed");
        long seed = given != null ? Long.parseLong(given) : new SplittableRandom().nextLong();
        Allocator a = make(fe, RawMisuseTest.QUIET);
        view = a.threadBound();
        classes = a.config().sizeClasses();
        pageSize = a.config().pageSize();
        rnd = new SplittableRandom(seed);
        Allocator other = RtMalloc.builder().frontEnd(fe).config(RawMisuseTest.QUIET).build();
        long started = System.nanoTime();
        long n = 0;
        try (Arena arena = Arena.ofConfined()) {
            pattern = arena.allocate(LARGEST + STAMP_OFFSETS, 8);
            SplittableRandom fill = new SplittableRandom(seed ^ 0x5DEECE66DL);
            for (long off = 0; off < pattern.byteSize(); off += 8) {
                pattern.set(ValueLayout.JAVA_LONG, off, fill.nextLong());
            }
            zeroes = arena.allocate(LARGEST, 8);
            foreignJdk = arena.allocate(4096, 64).address();
            foreignRtmalloc = new long[] {other.malloc(64), other.malloc(1 << 20)};
            for (n = 1; n <= STEPS; n++) {
                step(a);
                if (n % CHECK_EVERY == 0) {
                    checkpoint(a);
                }
            }
            checkpoint(a);
            for (Live b : List.copyOf(live)) {
                step = "freeing " + b + " at the end";
                checkStamp(b);
                a.free(b.address, b.size);
                forget(b);
            }
            assertBalanced(a);
        } catch (Throwable t) {
            throw new AssertionError(fe + ": step " + n + " of " + STEPS + " (" + step + ") failed; replay with"
                    + " -Drtmalloc.test.seed=" + seed + ": " + t, t);
        } finally {
            other.free(foreignRtmalloc[0]);
            other.free(foreignRtmalloc[1]);
            other.close();
        }
        System.out.printf("%s: %d steps in %.1f s, seed %d, misuse refused %s%n", fe, STEPS,
                (System.nanoTime() - started) / 1e9, seed, java.util.Arrays.toString(misuseCounts));
    }

    // ---------------------------------------------------------------- the steps

    private void step(Allocator owner) {
        Allocator a = rnd.nextBoolean() ? owner : view;
        boolean full = live.size() >= MAX_LIVE || liveBytes >= MAX_LIVE_BYTES;
        int r = rnd.nextInt(1000);
        if (r < 100) {
            misuse(a);
        } else if (live.isEmpty() || (!full && r < 500)) {
            if (r < 130) {
                doCalloc(a);
            } else if (r < 200) {
                doAligned(a);
            } else if (r < 250 && !live.isEmpty()) {
                doRealloc(a, randomLive());
            } else {
                doMalloc(a);
            }
        } else if (r < 720) {
            Live b = randomLive();
            step = "free " + b;
            checkStamp(b);
            a.free(b.address);
            forget(b);
        } else if (r < 850) {
            Live b = randomLive();
            long size = b.size + rnd.nextLong(b.usable - b.size + 1);
            step = "free " + b + " sized " + size;
            checkStamp(b);
            a.free(b.address, size);
            forget(b);
        } else if (r < 900) {
            doRealloc(a, randomLive());
        } else if (r < 940) {
            Live b = randomLive();
            step = "usableSize " + b;
            check(a.usableSize(b.address) == b.usable, "usableSize changed");
        } else if (r < 995) {
            Live b = randomLive();
            step = "check " + b;
            checkStamp(b);
        } else if (r < 999) {
            step = "flushThreadCache";
            a.flushThreadCache();
        } else {
            step = "releaseFreeMemory";
            a.releaseFreeMemory();
        }
    }

    /** A size: mostly up to 1 KiB, often up to 64 KiB, some up to 256 KiB, a few whole-page blocks up to 4 MiB. */
    private long randomSize() {
        int r = rnd.nextInt(1000);
        if (r < 600) {
            return rnd.nextLong(1025);
        }
        if (r < 950) {
            return rnd.nextLong(65_537);
        }
        if (r < 995) {
            return 65_536 + rnd.nextLong(classes.maxSize() - 65_536 + 1);
        }
        return classes.maxSize() + 1 + rnd.nextLong(LARGEST - classes.maxSize());
    }

    private void doMalloc(Allocator a) {
        long size = randomSize();
        step = "malloc " + size;
        long p = a.malloc(size);
        check(p % 8 == 0, "misaligned block 0x" + Long.toHexString(p));
        admit(a, p, size, size <= classes.maxSize() ? SMALL : WHOLE_PAGES);
    }

    private void doCalloc(Allocator a) {
        long size = rnd.nextInt(10) == 0 ? randomSize() : rnd.nextLong(1025);
        long count = 1 + rnd.nextLong(8);
        long each = size / count;
        step = "calloc " + count + " x " + each;
        long p = a.calloc(count, each);
        long bytes = count * each;
        check(MemorySegment.mismatch(NativeMemory.segment(p, bytes), 0, bytes, zeroes, 0, bytes) < 0,
                "calloc's block is not zeroed");
        admit(a, p, bytes, bytes <= classes.maxSize() ? SMALL : WHOLE_PAGES);
    }

    private void doAligned(Allocator a) {
        long alignment = rnd.nextInt(50) == 0 ? 1L << (20 + rnd.nextInt(2)) : 1L << (3 + rnd.nextInt(14));
        long size = rnd.nextInt(4) == 0 ? randomSize() : rnd.nextLong(4097);
        step = "alignedAlloc " + alignment + ", " + size;
        long p = a.alignedAlloc(alignment, size);
        check(p % alignment == 0, "0x" + Long.toHexString(p) + " is not aligned to " + alignment);
        // A size class serves it when one is a multiple of the alignment (alignments up to a page):
        // see RtAllocator.alignedAlloc.
        boolean small = size <= classes.maxSize() && alignment <= pageSize;
        admit(a, p, size, small ? SMALL : WHOLE_PAGES);
    }

    private void doRealloc(Allocator a, Live b) {
        long size = rnd.nextInt(8) == 0 ? 0 : randomSize();
        boolean fromZero = b == null || rnd.nextInt(20) == 0;
        step = "realloc " + (fromZero ? "0" : b) + " to " + size;
        if (fromZero) {
            admit(a, a.realloc(0, size), size, UNKNOWN);
            return;
        }
        checkStamp(b);
        long p = a.realloc(b.address, size);
        long kept = Math.min(b.size, size);
        check(MemorySegment.mismatch(NativeMemory.segment(p, kept), 0, kept, pattern, b.stamp, b.stamp + kept) < 0,
                "realloc lost the content");
        forget(b);
        admit(a, p, size, UNKNOWN);
    }

    // ---------------------------------------------------------------- misuse

    private void misuse(Allocator a) {
        int kind = rnd.nextInt(misuseCounts.length);
        Live b = live.isEmpty() ? null : randomLive();
        if (b == null && kind < 6) {
            kind = 6 + rnd.nextInt(misuseCounts.length - 6);
        }
        switch (kind) {
            case 0, 1 -> { // an interior or misaligned address of a live block
                long off = kind == 0 || b.usable < 16 ? 1 + rnd.nextLong(7) : 8 + rnd.nextLong(b.usable - 8);
                refusesAddress(a, b.address + off, b.size, "inside " + b + " at +" + off);
            }
            case 2 -> { // whole pages freed twice at once: a free span
                if (b.kind != WHOLE_PAGES) {
                    refusesAddress(a, b.address + 1 + rnd.nextLong(7), b.size, "misaligned in " + b);
                    break;
                }
                step = "double free of " + b;
                checkStamp(b);
                a.free(b.address);
                forget(b);
                expect(IllegalArgumentException.class, () -> a.free(b.address));
            }
            case 3 -> { // a small block freed twice at once, where that is always caught
                if (b.kind == WHOLE_PAGES || a.frontEnd().equals("percpu")) {
                    refusesAddress(a, b.address + 1 + rnd.nextLong(7), b.size, "misaligned in " + b);
                    break;
                }
                step = "double free at the head of " + b;
                checkStamp(b);
                a.free(b.address, b.size);
                forget(b);
                expect(IllegalArgumentException.class, () -> a.free(b.address, b.size));
            }
            case 4 -> { // sized free above the usable size
                long size = b.usable + 1 + rnd.nextLong(1 << 20);
                step = "sized free of " + b + " with " + size;
                // Blocks above 64 KiB take the span-based check on every free, which checks the size too.
                if (b.kind == WHOLE_PAGES || (b.kind == SMALL && (SIZE_CHECKED || b.usable > 65536))) {
                    expect(IllegalArgumentException.class, () -> a.free(b.address, size));
                    checkUnchanged(a, b);
                } else if (b.kind == SMALL) {
                    checkStamp(b);
                    a.free(b.address, size); // the page map's class is the block's: freed as what it is
                    forget(b);
                } else {
                    refusesAddress(a, b.address + 1 + rnd.nextLong(7), b.size, "misaligned in " + b);
                }
            }
            case 5 -> { // negative sizes on a live block
                long negative = rnd.nextBoolean() ? -1 - rnd.nextLong(1 << 20) : Long.MIN_VALUE;
                step = "negative size " + negative + " on " + b;
                expect(IllegalArgumentException.class, rnd.nextBoolean()
                        ? () -> a.free(b.address, negative) : () -> a.realloc(b.address, negative));
                checkUnchanged(a, b);
            }
            case 6 -> { // foreign addresses
                long x = switch (rnd.nextInt(6)) {
                    case 0 -> foreignJdk + 8 * rnd.nextLong(512);
                    case 1 -> foreignRtmalloc[rnd.nextInt(2)];
                    case 2 -> 8 * (1 + rnd.nextLong(1 << 20));
                    case 3 -> -8 * (1 + rnd.nextLong(1 << 20));
                    case 4 -> Long.MIN_VALUE;
                    default -> 0x7fff_dead_beefL;
                };
                refusesAddress(a, x, 64, "foreign 0x" + Long.toHexString(x));
            }
            case 7 -> { // inside the reservation, far beyond anything mapped, or below it
                long anchor = b != null ? b.address : foreignJdk;
                long x = anchor + (rnd.nextBoolean() ? 1L : -1L) * ((1L << 36) + 8 * rnd.nextLong(1 << 20));
                refusesAddress(a, x, 64, "never mapped 0x" + Long.toHexString(x));
            }
            case 8 -> { // inside a free span: a whole-page block just freed
                long size = classes.maxSize() + 1 + rnd.nextLong(LARGEST - classes.maxSize());
                step = "free span of " + size;
                long p = a.malloc(size);
                a.free(p);
                long off = rnd.nextBoolean() ? 0 : pageSize * rnd.nextLong(size / pageSize) + 8 * rnd.nextLong(2);
                refusesAddress(a, p + off, size, "in the free span at 0x" + Long.toHexString(p) + " +" + off);
            }
            case 9 -> { // negative sizes of new blocks
                long negative = rnd.nextBoolean() ? -1 - rnd.nextLong(1 << 20) : Long.MIN_VALUE;
                step = "negative size " + negative;
                expect(IllegalArgumentException.class, switch (rnd.nextInt(4)) {
                    case 0 -> () -> a.malloc(negative);
                    case 1 -> () -> a.calloc(negative, 8);
                    case 2 -> () -> a.calloc(8, negative);
                    default -> () -> a.alignedAlloc(16, negative);
                });
            }
            case 10 -> { // absurd alignments
                long alignment = switch (rnd.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> -8;
                    case 2 -> 8 * (3 + 2 * rnd.nextLong(1000)); // not a power of two
                    case 3 -> Long.MIN_VALUE;
                    default -> 1L << (40 + rnd.nextInt(23)); // a power of two no heap can serve
                };
                long size = rnd.nextLong(1 << 20);
                step = "alignedAlloc " + alignment + ", " + size;
                expect(IllegalArgumentException.class, OutOfMemoryError.class, () -> a.alignedAlloc(alignment, size));
            }
            default -> { // huge sizes
                long huge = (1L << 46) + rnd.nextLong(Long.MAX_VALUE - (1L << 46));
                step = "huge size " + huge;
                Live target = b;
                expect(IllegalArgumentException.class, OutOfMemoryError.class, switch (rnd.nextInt(5)) {
                    case 0 -> () -> a.malloc(huge);
                    case 1 -> () -> a.calloc(huge, 1 + rnd.nextLong(1 << 20));
                    case 2 -> () -> a.alignedAlloc(64, huge);
                    case 3 -> () -> a.calloc(1L << 22, 1L << 23);
                    default -> target == null ? () -> a.malloc(huge) : () -> a.realloc(target.address, huge);
                });
                if (b != null) {
                    checkUnchanged(a, b);
                }
            }
        }
        misuseCounts[kind]++;
        // The misuse changed no live block.
        for (int i = 0; i < 2 && !live.isEmpty(); i++) {
            checkStamp(randomLive());
        }
    }

    /** Every call that takes {@code x} as a block refuses it, changing nothing. */
    private void refusesAddress(Allocator a, long x, long size, String what) {
        step = "misuse " + what;
        Map.Entry<Long, Live> near = byAddress.floorEntry(x);
        switch (rnd.nextInt(4)) {
            case 0 -> expect(IllegalArgumentException.class, () -> a.free(x));
            case 1 -> expect(IllegalArgumentException.class, () -> a.free(x, size));
            case 2 -> expect(IllegalArgumentException.class, () -> a.usableSize(x));
            default -> expect(IllegalArgumentException.class, () -> a.realloc(x, rnd.nextLong(1 << 16)));
        }
        if (near != null) {
            checkUnchanged(a, near.getValue());
        }
    }

    private void expect(Class<? extends Throwable> type, Runnable call) {
        expect(type, type, call);
    }

    /** Runs {@code call}, which must throw one of the two types. */
    private void expect(Class<? extends Throwable> type, Class<? extends Throwable> or, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            if (type.isInstance(t) || or.isInstance(t)) {
                return;
            }
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError("expected " + type.getSimpleName() + ", nothing thrown");
    }

    // ---------------------------------------------------------------- the model

    private Live randomLive() {
        return live.isEmpty() ? null : live.get(rnd.nextInt(live.size()));
    }

    /** Takes a block just handed out into the model: no overlap with a live one, big enough, stamped. */
    private void admit(Allocator a, long p, long size, int kind) {
        Live b = new Live(p, size, kind);
        b.usable = a.usableSize(p);
        check(b.usable >= size, "usable size " + b.usable + " below " + size);
        long extent = Math.max(b.usable, 1);
        Map.Entry<Long, Live> below = byAddress.floorEntry(p);
        check(below == null || below.getValue().address + Math.max(below.getValue().usable, 1) <= p,
                () -> "0x" + Long.toHexString(p) + " overlaps the live block " + below.getValue());
        Map.Entry<Long, Live> above = byAddress.higherEntry(p);
        check(above == null || p + extent <= above.getKey(),
                () -> "0x" + Long.toHexString(p) + " overlaps the live block " + above.getValue());
        b.stamp = 8 * rnd.nextLong(STAMP_OFFSETS / 8);
        MemorySegment.copy(pattern, b.stamp, NativeMemory.segment(p, size), 0, size);
        b.index = live.size();
        live.add(b);
        byAddress.put(p, b);
        liveBytes += b.usable;
    }

    private void forget(Live b) {
        Live last = live.removeLast();
        if (last != b) {
            live.set(b.index, last);
            last.index = b.index;
        }
        byAddress.remove(b.address);
        liveBytes -= b.usable;
    }

    private void checkStamp(Live b) {
        check(MemorySegment.mismatch(NativeMemory.segment(b.address, b.size), 0, b.size, pattern, b.stamp,
                b.stamp + b.size) < 0, () -> "the block " + b + " was overwritten");
    }

    /** The block is still live: its size and stamp as they were. */
    private void checkUnchanged(Allocator a, Live b) {
        check(a.usableSize(b.address) == b.usable, () -> "the usable size of " + b + " changed");
        checkStamp(b);
    }

    /** The invariants of every tier, every stamp, and the bytes in use as the model counts them. */
    private void checkpoint(Allocator a) {
        step = "checkpoint";
        view.checkInvariants();
        long usable = 0;
        for (Live b : live) {
            checkStamp(b);
            usable += b.usable;
        }
        long inUse = a.stats().bytesInUse();
        long counted = usable;
        check(inUse == counted, () -> "the stats count " + inUse + " bytes in use, the model " + counted);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static void check(boolean ok, java.util.function.Supplier<String> what) {
        if (!ok) {
            throw new AssertionError(what.get());
        }
    }
}
