package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Memory goes back to the OS by itself, measured as the {@code Rss} of the
 * heap's mappings in {@code /proc/self/smaps}: freed memory after the decay
 * time, with no call; freed huge blocks at once; and the allocator's own
 * resident figure agrees with the kernel's. A short decay keeps each test to
 * a few seconds.
 */
class MemoryReturnTest extends FrontEndSuite {

    static final long MIB = 1 << 20;
    static final long DECAY_MS = 400;

    /** Blocks of 128 bytes to 128 KiB, each size as likely on a log scale, touched. */
    static List<long[]> allocateTouched(Allocator a, long total, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<long[]> blocks = new ArrayList<>();
        for (long sum = 0; sum < total; ) {
            long size = Math.round(128 * Math.pow(1024, rnd.nextDouble()));
            long p = a.malloc(size);
            Smaps.touch(p, size);
            blocks.add(new long[] {p, size});
            sum += size;
        }
        return blocks;
    }

    /** The range from the lowest block to the end of the highest. */
    static long[] range(List<long[]> blocks) {
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (long[] b : blocks) {
            lo = Math.min(lo, b[0]);
            hi = Math.max(hi, b[0] + b[1]);
        }
        return new long[] {lo, hi};
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void freedMemory_goesBackAfterTheDecayTime_withNoCall(String fe) throws InterruptedException {
        assumeTrue(Smaps.available());
        Allocator a = make(fe, Config.defaults().toBuilder().releaseDecayMs(DECAY_MS).build());
        long[] first = {a.malloc(64), 64};
        List<long[]> blocks = allocateTouched(a, 96 * MIB, 1);
        blocks.add(first);
        long[] r = range(blocks);
        long peak = Smaps.rss(r[0], r[1]);
        assertTrue(peak >= 90 * MIB, "the blocks are resident: " + peak);
        for (long[] b : blocks) {
            a.free(b[0]);
        }
        long freedAt = System.nanoTime();
        long rss = peak;
        long waited = 0;
        // The goal: 90% of the growth back within twice the decay time. The bound allows
        // a loaded machine some slack; the time taken is in the message.
        while (rss > peak / 10 && waited < 2 * DECAY_MS + 3000) {
            Thread.sleep(20);
            waited = (System.nanoTime() - freedAt) / 1_000_000;
            rss = Smaps.rss(r[0], r[1]);
        }
        AllocatorStats st = a.stats();
        assertTrue(rss <= peak / 10, "after " + waited + " ms still " + rss + " of " + peak + " bytes resident\n" + st);
        assertTrue(waited >= DECAY_MS / 2, "nothing went back before the decay time: " + waited + " ms");
        assertTrue(st.release().decayBytes() > 0, st::toString);
        assertEquals(0, st.release().requestBytes(), "no call asked for it");
        System.out.printf("%s: %d%% of %d MiB back %d ms after free (decay %d ms)%n", fe,
                100 - 100 * rss / peak, peak >> 20, waited, DECAY_MS);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void hugeBlocksFreedInTurn_RssStaysWithinTheLargestLiveBlock() {
        assumeTrue(Smaps.available());
        // The pattern of blocks of 1 to 4 GiB, at a size CI can afford: 64 to 256 MiB.
        Allocator a = make("global", Config.defaults());
        List<long[]> kept = new ArrayList<>();
        long largest = 0;
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (long size : new long[] {64 * MIB, 128 * MIB, 256 * MIB, 192 * MIB, 96 * MIB, 224 * MIB}) {
            long p = a.malloc(size);
            Smaps.touch(p, size);
            largest = Math.max(largest, size);
            long small = a.malloc(300_000); // a block that stays, between the huge ones
            Smaps.touch(small, 300_000);
            kept.add(new long[] {small, 300_000});
            lo = Math.min(lo, Math.min(p, small));
            hi = Math.max(hi, Math.max(p + size, small + 300_000));
            long rss = Smaps.rss(lo, hi);
            assertTrue(rss <= largest * 12 / 10, "Rss " + (rss >> 20) + " MiB with a live block of " + (size >> 20)
                    + " MiB (largest " + (largest >> 20) + " MiB)\n" + a.stats());
            a.free(p);
        }
        long rss = Smaps.rss(lo, hi);
        assertTrue(rss < 16 * MIB, "after the pattern: Rss " + rss + "\n" + a.stats());
        assertTrue(a.stats().release().largeFreeBytes() >= 900 * MIB, a.stats()::toString);
        kept.forEach(b -> a.free(b[0]));
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void residentBytes_agreesWithTheKernelsRss(String fe) {
        assumeTrue(Smaps.available());
        Allocator a = make(fe, Config.defaults().toBuilder().backgroundReleaseOff().build());
        List<long[]> blocks = new ArrayList<>();
        // Whole blocks touched, as a program uses what it asks for: usable sizes.
        SplittableRandom rnd = new SplittableRandom(3);
        for (long sum = 0; sum < 40 * MIB; ) {
            long size = rnd.nextInt(8) == 0 ? 300_000 + rnd.nextInt(3_000_000) : 16 + rnd.nextInt(4096);
            long p = a.malloc(size);
            long usable = a.usableSize(p);
            Smaps.touch(p, usable);
            blocks.add(new long[] {p, usable});
            sum += usable;
        }
        long[] r = range(blocks);
        // The heap's mapped prefix: 64 MiB regions from its first byte, inside one reservation.
        long from = r[0] & -(64 * MIB);
        assertClose(a.stats().residentBytes(), Smaps.rss(from, r[1] + 64 * MIB), "all live");
        for (int i = 0; i < blocks.size(); i += 2) {
            a.free(blocks.get(i)[0]);
        }
        assertClose(a.stats().residentBytes(), Smaps.rss(from, r[1] + 64 * MIB), "half freed");
        a.releaseFreeMemory();
        assertClose(a.stats().residentBytes(), Smaps.rss(from, r[1] + 64 * MIB), "half freed, released");
        for (int i = 1; i < blocks.size(); i += 2) {
            a.free(blocks.get(i)[0]);
        }
        a.releaseFreeMemory();
        assertClose(a.stats().residentBytes(), Smaps.rss(from, r[1] + 64 * MIB), "all freed, released");
    }

    /** Within 5% and 2 MiB: pages of small spans not carved yet count as resident, but are not. */
    private static void assertClose(long resident, long rss, String when) {
        long slack = 2 * MIB + Math.max(resident, rss) / 20;
        assertTrue(Math.abs(resident - rss) <= slack, when + ": stats say " + (resident >> 10) + " KiB resident, smaps "
                + (rss >> 10) + " KiB");
    }
}
