package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.spi.NativeMemory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Far more runnable threads than cores, platform and virtual ones together,
 * handing stamped blocks to each other: every worker has a bounded inbox; it
 * allocates blocks (mostly small, a few across the larger classes), stamps
 * every byte of them with a pattern derived from a unique tag, and sends each
 * to another worker, of its own kind or of the other one (waiting, while that
 * inbox is full, and draining its own), which checks the whole stamp and the
 * usable size before freeing it. Half of the workers also churn a private
 * working set of their own, so that the caches see local and remote frees
 * mixed. Workers go on draining their inbox until every worker has stopped
 * producing, so every block handed over is freed by its receiver. Bounded in
 * operations and time.
 */
class OversubscribedCrossThreadStressTest extends FrontEndSuite {

    private static final int PLATFORM = 16;
    private static final int VIRTUAL = 64;
    private static final int WORKERS = PLATFORM + VIRTUAL;
    /**
     * Operations per worker: a platform worker does four times what a virtual
     * one does, so that, with half of the blocks sent to each kind, every
     * inbox receives about as many blocks as its owner sends.
     */
    private static final int PLATFORM_OPS = 40_000;
    private static final int VIRTUAL_OPS = PLATFORM_OPS / 4;
    private static final int INBOX = 256;
    /** Blocks a worker takes from its inbox after each operation, at most. */
    private static final int DRAIN = 8;
    /** The largest private working set of a churning worker. */
    private static final int WORKING_SET = 48;
    private static final long DEADLINE_SECONDS = 20;

    /** The kinds of worker, indices of {@link #crossFrees}. */
    private static final int P = 0;
    private static final int V = 1;

    /** A block in flight: who allocated it, what it was asked for and given, and its tag. */
    record Block(long address, long size, long usable, long tag, int from) {
    }

    private Allocator a;
    private List<BlockingQueue<Block>> inboxes;
    private ConcurrentLinkedQueue<Throwable> errors;
    /** Blocks freed by a worker other than their allocator, by [allocator's kind][freer's kind]. */
    private LongAdder[][] crossFrees;
    /** Blocks sent to an inbox. */
    private LongAdder sent;
    /** Blocks of the private working sets, freed by their allocator. */
    private LongAdder localFrees;
    /** Blocks freed by their allocator because the deadline passed while the chosen inbox was full. */
    private LongAdder unsent;
    /** Operations done, over all workers. */
    private LongAdder operations;
    /** Workers still producing. */
    private AtomicInteger producing;
    private long deadline;

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void oversubscribedThreads_handStampedBlocksAcross_andBalance(String fe) throws Exception {
        a = make(fe);
        inboxes = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            inboxes.add(new ArrayBlockingQueue<>(INBOX));
        }
        errors = new ConcurrentLinkedQueue<>();
        crossFrees = new LongAdder[][]{{new LongAdder(), new LongAdder()}, {new LongAdder(), new LongAdder()}};
        sent = new LongAdder();
        localFrees = new LongAdder();
        unsent = new LongAdder();
        operations = new LongAdder();
        producing = new AtomicInteger(WORKERS);
        CountDownLatch start = new CountDownLatch(1);
        long began = System.nanoTime();
        deadline = began + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);

        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            int id = w;
            Runnable body = () -> run(id, start);
            workers.add(id < PLATFORM
                    ? Thread.ofPlatform().name("oversubscribed-p" + id).start(body)
                    : Thread.ofVirtual().name("oversubscribed-v" + id).start(body));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - began) / 1e9;

        List<Block> leftovers = new ArrayList<>();
        for (BlockingQueue<Block> inbox : inboxes) {
            inbox.drainTo(leftovers);
        }
        Throwable failed = errors.peek();
        if (failed != null) {
            throw new AssertionError(fe + ": a worker failed: " + failed, failed);
        }
        for (Block b : leftovers) {
            check(a, b, "the test's thread");
            a.free(b.address());
        }
        assertEquals(0, leftovers.size(), fe + ": blocks left in the inboxes after every worker drained its own");

        long pp = crossFrees[P][P].sum();
        long pv = crossFrees[P][V].sum();
        long vp = crossFrees[V][P].sum();
        long vv = crossFrees[V][V].sum();
        long cross = pp + pv + vp + vv;
        long ops = operations.sum();
        long local = localFrees.sum();
        System.out.printf("%s: %d operations in %.1f s, %d cross-thread frees (platform->platform %d, "
                        + "platform->virtual %d, virtual->platform %d, virtual->virtual %d), %d local frees, "
                        + "%d unsent%n", fe, ops, seconds, cross, pp, pv, vp, vv, local, unsent.sum());

        assertEquals(sent.sum(), cross, fe + ": blocks sent and blocks freed by their receivers");
        assertTrue(ops >= WORKERS * 500L, () -> fe + ": only " + ops + " operations in the time allowed");
        // Churning workers produce on half of their operations, the others on all of them.
        assertTrue(cross >= ops / 2, () -> fe + ": only " + cross + " cross-thread frees in " + ops + " operations");
        assertTrue(cross > local, () -> fe + ": " + cross + " cross-thread frees, fewer than " + local + " local ones");
        long each = ops / 50;
        assertTrue(pp >= each, () -> fe + ": only " + pp + " platform->platform frees in " + ops + " operations");
        assertTrue(pv >= each, () -> fe + ": only " + pv + " platform->virtual frees in " + ops + " operations");
        assertTrue(vp >= each, () -> fe + ": only " + vp + " virtual->platform frees in " + ops + " operations");
        assertTrue(vv >= each, () -> fe + ": only " + vv + " virtual->virtual frees in " + ops + " operations");

        a.checkInvariants();
        assertBalanced(a);
    }

    /** A worker: produces, churns and consumes, then drains its inbox until every worker has stopped producing. */
    private void run(int id, CountDownLatch start) {
        SplittableRandom rnd = new SplittableRandom(0x5EED_0000L + id);
        BlockingQueue<Block> inbox = inboxes.get(id);
        boolean churner = id % 2 == 0;
        List<Block> mine = new ArrayList<>();
        long tag = (long) (id + 1) << 40;
        int ops = id < PLATFORM ? PLATFORM_OPS : VIRTUAL_OPS;
        boolean producingNow = true;
        try {
            start.await();
            int op = 0;
            for (; op < ops && errors.isEmpty() && System.nanoTime() < deadline; op++) {
                int r = rnd.nextInt(10);
                if (!churner || r < 5) {
                    send(id, produce(id, rnd, ++tag), rnd);
                } else if (r < 8 || mine.isEmpty()) {
                    if (mine.size() == WORKING_SET) {
                        release(id, mine.remove(rnd.nextInt(mine.size())), rnd);
                    }
                    mine.add(produce(id, rnd, ++tag));
                } else {
                    release(id, mine.remove(rnd.nextInt(mine.size())), rnd);
                }
                drain(id, inbox, DRAIN, rnd);
            }
            operations.add(op);
            for (Block b : mine) {
                release(id, b, rnd);
            }
            mine.clear();
            producingNow = false;
            producing.decrementAndGet();
            while (producing.get() > 0 && errors.isEmpty()) {
                Block b = inbox.poll(1, TimeUnit.MILLISECONDS);
                if (b != null) {
                    consume(id, b, rnd);
                }
            }
            drain(id, inbox, Integer.MAX_VALUE, rnd);
        } catch (Throwable e) {
            errors.add(e);
        } finally {
            if (producingNow) {
                producing.decrementAndGet();
            }
            a.flushThreadCache();
        }
    }

    /** A new block, of 8 to 2000 bytes mostly and up to 40 KiB at times, stamped with its tag. */
    private Block produce(int id, SplittableRandom rnd, long tag) {
        long size = rnd.nextInt(40) == 0 ? 2001 + rnd.nextInt(40 * 1024 - 2000) : 8 + rnd.nextInt(1993);
        long p = a.malloc(size);
        long usable = a.usableSize(p);
        if (usable < size) {
            throw new AssertionError("block 0x" + Long.toHexString(p) + " of " + size + " bytes has a usable size of "
                    + usable + " on " + name(id));
        }
        stamp(p, size, tag);
        return new Block(p, size, usable, tag, id);
    }

    /**
     * Sends a block to another worker of a random kind. While its inbox is
     * full, drains this worker's own (so that two workers waiting on each
     * other's inboxes both make progress) and waits a little; past the
     * deadline, or once a worker has failed, frees the block here instead.
     */
    private void send(int id, Block b, SplittableRandom rnd) throws InterruptedException {
        int to = rnd.nextBoolean() ? rnd.nextInt(PLATFORM) : PLATFORM + rnd.nextInt(VIRTUAL);
        if (to == id) {
            to = id < PLATFORM ? (id + 1) % PLATFORM : PLATFORM + (id - PLATFORM + 1) % VIRTUAL;
        }
        BlockingQueue<Block> target = inboxes.get(to);
        while (!target.offer(b)) {
            if (System.nanoTime() >= deadline || !errors.isEmpty()) {
                free(b, rnd, name(id));
                unsent.increment();
                return;
            }
            drain(id, inboxes.get(id), Integer.MAX_VALUE, rnd);
            if (target.offer(b, 100, TimeUnit.MICROSECONDS)) {
                break;
            }
        }
        sent.increment();
    }

    private void drain(int id, BlockingQueue<Block> inbox, int most, SplittableRandom rnd) {
        Block b;
        for (int n = 0; n < most && (b = inbox.poll()) != null; n++) {
            consume(id, b, rnd);
        }
    }

    /** Checks and frees a block another worker allocated. */
    private void consume(int id, Block b, SplittableRandom rnd) {
        if (b.from() == id) {
            throw new AssertionError("block tagged 0x" + Long.toHexString(b.tag()) + " came back to its allocator "
                    + name(id));
        }
        free(b, rnd, name(id));
        crossFrees[kind(b.from())][kind(id)].increment();
    }

    /** Checks and frees a block this worker allocated. */
    private void release(int id, Block b, SplittableRandom rnd) {
        free(b, rnd, name(id));
        localFrees.increment();
    }

    /** Checks a block, then frees it, with a size between the requested and the usable one half of the time. */
    private void free(Block b, SplittableRandom rnd, String by) {
        check(a, b, by);
        if (rnd.nextBoolean()) {
            a.free(b.address(), b.size() + rnd.nextLong(b.usable() - b.size() + 1));
        } else {
            a.free(b.address());
        }
    }

    /** The tag in the first word, a pattern of the tag in every other word and in the trailing bytes. */
    private static void stamp(long address, long size, long tag) {
        NativeMemory.putLong(address, tag);
        long words = size & ~7L;
        for (long off = 8; off < words; off += 8) {
            NativeMemory.putLong(address + off, Blocks.pattern(tag, off));
        }
        long last = Blocks.pattern(tag, words);
        for (long off = words; off < size; off++) {
            NativeMemory.putByte(address + off, (byte) (last >>> (8 * (off - words))));
        }
    }

    /** Checks every byte of a block's stamp and its usable size; a mismatch names the block. */
    private static void check(Allocator a, Block b, String by) {
        long p = b.address();
        long size = b.size();
        long tag = b.tag();
        long first = NativeMemory.getLong(p);
        if (first != tag) {
            throw damaged(b, by, 0, first, tag);
        }
        long words = size & ~7L;
        for (long off = 8; off < words; off += 8) {
            long want = Blocks.pattern(tag, off);
            long got = NativeMemory.getLong(p + off);
            if (got != want) {
                throw damaged(b, by, off, got, want);
            }
        }
        long last = Blocks.pattern(tag, words);
        for (long off = words; off < size; off++) {
            byte want = (byte) (last >>> (8 * (off - words)));
            byte got = NativeMemory.getByte(p + off);
            if (got != want) {
                throw damaged(b, by, off, got & 0xFF, want & 0xFF);
            }
        }
        long usable = a.usableSize(p);
        if (usable != b.usable()) {
            throw new AssertionError(blockName(b) + ": usable size " + usable + " on " + by + ", "
                    + b.usable() + " on " + name(b.from()));
        }
    }

    private static AssertionError damaged(Block b, String by, long offset, long got, long want) {
        return new AssertionError(blockName(b) + " changed while held, found by " + by + ": at offset " + offset
                + " 0x" + Long.toHexString(got) + " instead of 0x" + Long.toHexString(want));
    }

    private static String blockName(Block b) {
        return "block 0x" + Long.toHexString(b.address()) + " of " + b.size() + " bytes (usable " + b.usable()
                + ") tagged 0x" + Long.toHexString(b.tag()) + ", allocated by " + name(b.from());
    }

    private static int kind(int id) {
        return id < PLATFORM ? P : V;
    }

    private static String name(int id) {
        return (id < PLATFORM ? "platform worker " : "virtual worker ") + id;
    }
}
