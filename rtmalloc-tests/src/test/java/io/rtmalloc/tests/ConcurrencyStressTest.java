package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads allocating, stamping, checking and freeing, with blocks handed
 * across threads; bounded in operations and time.
 */
class ConcurrencyStressTest extends FrontEndSuite {


    record Block(long address, long size, long tag) {
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void crossThreadFrees_withStampedBlocks_balance(String fe) throws Exception {
        Allocator a = make(fe);
        int threads = 8;
        int opsPerThread = 40_000;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        List<BlockingQueue<Block>> inboxes = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            inboxes.add(new ArrayBlockingQueue<>(1024));
        }
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Block> leftovers = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().name("stress-" + t).start(() -> {
                Random rnd = new Random(id * 7919L);
                List<Block> mine = new ArrayList<>();
                long tag = (long) id << 40;
                try {
                    start.await();
                    for (int op = 0; op < opsPerThread && System.nanoTime() < deadline; op++) {
                        int r = rnd.nextInt(10);
                        if (r < 5 || mine.isEmpty()) {
                            long size = rnd.nextInt(20) == 0 ? rnd.nextInt(400_000) : rnd.nextInt(2048);
                            long p = a.malloc(size);
                            Blocks.stamp(p, size, ++tag);
                            mine.add(new Block(p, size, tag));
                        } else if (r < 7) {
                            Block b = mine.remove(rnd.nextInt(mine.size()));
                            if (!inboxes.get(rnd.nextInt(threads)).offer(b)) {
                                mine.add(b);
                            }
                        } else {
                            Block b = mine.remove(rnd.nextInt(mine.size()));
                            check(b);
                            if (rnd.nextBoolean()) {
                                a.free(b.address(), b.size());
                            } else {
                                a.free(b.address());
                            }
                        }
                        for (Block b; (b = inboxes.get(id).poll()) != null; ) {
                            check(b);
                            a.free(b.address());
                        }
                    }
                    for (Block b : mine) {
                        check(b);
                        a.free(b.address());
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    a.flushThreadCache();
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        for (BlockingQueue<Block> inbox : inboxes) {
            inbox.drainTo(leftovers);
        }
        assertTrue(errors.isEmpty(), () -> "a worker failed: " + errors.peek());
        for (Block b : leftovers) {
            check(b);
            a.free(b.address());
        }
        a.checkInvariants();
        assertBalanced(a);
    }

    private static void check(Block b) {
        if (!Blocks.intact(b.address(), b.size(), b.tag())) {
            throw new AssertionError("block 0x" + Long.toHexString(b.address()) + " of " + b.size()
                    + " bytes changed while held");
        }
    }
}
