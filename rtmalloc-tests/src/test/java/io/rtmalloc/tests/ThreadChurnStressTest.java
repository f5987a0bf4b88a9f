package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short-lived threads, as a server's handlers (and Larson's benchmark): in
 * every round, fresh threads each take an array of stamped blocks over,
 * check and free random blocks of it (blocks other threads allocated), and
 * allocate new ones in their place, then die; the next round's threads take
 * the arrays over, so each thread's first call meets the caches of the dead
 * ones. Every fifth round is run by virtual threads, a storm of them, each
 * with a share of the arrays. Bounded in rounds and time.
 */
class ThreadChurnStressTest extends FrontEndSuite {

    private static final int ARRAYS = 4;
    private static final int BLOCKS = 400;
    private static final int ROUNDS = 120;
    private static final int REPLACEMENTS = 1500;
    /** Virtual threads per array in a virtual round. */
    private static final int STORM = 50;

    private long[][] address;
    private long[][] size;
    private long[][] tag;

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shortLivedThreads_takeStampedBlocksOver_andFreeThem(String fe) throws Exception {
        Allocator a = make(fe);
        address = new long[ARRAYS][BLOCKS];
        size = new long[ARRAYS][BLOCKS];
        tag = new long[ARRAYS][BLOCKS];
        SplittableRandom setup = new SplittableRandom(1);
        for (int t = 0; t < ARRAYS; t++) {
            for (int i = 0; i < BLOCKS; i++) {
                put(a, t, i, setup, ((long) t << 48) | i);
            }
        }
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int rounds = 0;
        for (int round = 0; round < ROUNDS && System.nanoTime() < deadline && errors.isEmpty(); round++, rounds++) {
            boolean virtual = round % 5 == 4;
            Thread[] workers = new Thread[virtual ? ARRAYS * STORM : ARRAYS];
            for (int w = 0; w < workers.length; w++) {
                int array = w % ARRAYS;
                int part = w / ARRAYS;
                int parts = workers.length / ARRAYS;
                long seed = ((long) round << 20) ^ w;
                Runnable body = () -> {
                    try {
                        replace(a, array, part, parts, new SplittableRandom(seed), seed << 16);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                };
                workers[w] = virtual ? Thread.ofVirtual().start(body) : Thread.ofPlatform().start(body);
            }
            for (Thread w : workers) {
                w.join();
            }
        }
        assertTrue(errors.isEmpty(), () -> fe + ": a thread failed: " + errors.peek());
        assertTrue(rounds >= 10, "only " + rounds + " rounds in the time allowed");
        for (int t = 0; t < ARRAYS; t++) {
            for (int i = 0; i < BLOCKS; i++) {
                check(t, i);
                a.free(address[t][i]);
            }
        }
        a.checkInvariants();
        assertBalanced(a);
    }

    /**
     * Replaces random blocks among slots {@code part, part + parts, ...} of
     * array {@code t}: checks a block's stamp, frees it (sized or not), and
     * puts a new stamped block in its place.
     */
    private void replace(Allocator a, int t, int part, int parts, SplittableRandom rnd, long tags) {
        int slots = (BLOCKS - part + parts - 1) / parts;
        int n = Math.max(1, REPLACEMENTS / parts);
        for (int k = 0; k < n; k++) {
            int i = part + rnd.nextInt(slots) * parts;
            check(t, i);
            if (rnd.nextBoolean()) {
                a.free(address[t][i], size[t][i]);
            } else {
                a.free(address[t][i]);
            }
            put(a, t, i, rnd, tags + k);
        }
    }

    private void put(Allocator a, int t, int i, SplittableRandom rnd, long stamp) {
        long s = rnd.nextInt(50) == 0 ? 1 + rnd.nextInt(70_000) : 8 + rnd.nextInt(993);
        long p = a.malloc(s);
        Blocks.stamp(p, s, stamp);
        address[t][i] = p;
        size[t][i] = s;
        tag[t][i] = stamp;
    }

    private void check(int t, int i) {
        if (!Blocks.intact(address[t][i], size[t][i], tag[t][i])) {
            throw new AssertionError("block 0x" + Long.toHexString(address[t][i]) + " of " + size[t][i]
                    + " bytes changed while held");
        }
    }
}
