package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.spi.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slot table through which the per-thread front end finds a thread's
 * cache without a {@link ThreadLocal} probe: collisions, dead threads, many
 * threads, virtual threads.
 */
class SlotTableTest {

    /** An unstarted platform thread whose id falls in the same slot as {@code id}'s. */
    private static Thread collidingWith(long id, Runnable body) {
        List<Thread> discarded = new ArrayList<>();
        for (int i = 0; i < 4 * ThreadCacheFrontEnd.SLOTS; i++) {
            Thread t = Thread.ofPlatform().unstarted(body);
            if ((t.threadId() & (ThreadCacheFrontEnd.SLOTS - 1)) == (id & (ThreadCacheFrontEnd.SLOTS - 1))
                    && t.threadId() != id) {
                return t;
            }
            discarded.add(t);
        }
        throw new AssertionError("no colliding thread id among " + discarded.size());
    }

    /** Runs {@code body} on {@code t}, rethrowing what it threw. */
    private static void run(Thread t, AtomicReference<Throwable> failure) throws InterruptedException {
        t.start();
        t.join();
        if (failure.get() instanceof Error e) {
            throw e;
        } else if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void firstCall_installsTheThreadsCacheInItsSlot() {
        ThreadCacheStack a = new ThreadCacheStack(Config.defaults());
        assertFalse(a.frontEnd.slotted());
        a.free(a.malloc(64));
        assertTrue(a.frontEnd.slotted(), "the calling thread's cache is in its slot");
        a.checkInvariants();
        a.close();
    }

    @Test
    void collidingThread_usesItsOwnCacheThroughTheThreadLocal_andNeverTheSlotOwners() throws Exception {
        ThreadCacheStack a = new ThreadCacheStack(Config.defaults());
        int cl = a.config().sizeClasses().classOf(64);
        long mine = a.malloc(64);
        a.free(mine);
        ThreadCache myCache = a.cache();
        int myLength = myCache.length(cl);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<ThreadCache> theirs = new AtomicReference<>();
        Thread other = collidingWith(Thread.currentThread().threadId(), () -> {
            try {
                List<Long> blocks = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    long p = a.malloc(64);
                    NativeMemory.putLong(p, p ^ 0x5A5A5A5A5A5A5A5AL);
                    blocks.add(p);
                }
                for (long p : blocks) {
                    assertEquals(p ^ 0x5A5A5A5A5A5A5A5AL, NativeMemory.getLong(p), "a block was handed out twice");
                    a.free(p);
                }
                assertFalse(a.frontEnd.slotted(), "the slot stays with the thread that took it first");
                theirs.set(a.cache());
                a.checkInvariants();
                a.flushThreadCache();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        run(other, failure);
        assertNotSame(myCache, theirs.get());
        assertEquals(myLength, myCache.length(cl), "the other thread never touched this thread's cache");
        assertTrue(a.frontEnd.slotted());
        assertEquals(mine, a.malloc(64), "this thread's cache still serves it");
        a.free(mine);
        a.checkInvariants();
        a.close();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deadThreadsSlot_isClearedWhenItsCacheIsRetired_andTakenByTheNextThread() throws Exception {
        ThreadCacheStack a = new ThreadCacheStack(Config.defaults());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first = Thread.ofPlatform().unstarted(() -> {
            try {
                a.free(a.malloc(128));
                assertTrue(a.frontEnd.slotted());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        long firstId = first.threadId();
        run(first, failure);
        WeakReference<Thread> gone = new WeakReference<>(first);
        first = null;
        // A thread colliding with the dead one: its first call adopts the dead one's cache, which
        // leaves the dead one's slot first.
        Thread second = collidingWith(firstId, () -> {
            try {
                a.free(a.malloc(128));
                assertTrue(a.frontEnd.slotted(), "the dead thread's slot was freed for this one");
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        run(second, failure);
        assertEquals(1, a.budget().adoptedCaches());
        // Nothing of the slot table keeps a dead thread reachable.
        for (int i = 0; i < 20 && gone.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(gone.get(), "the dead thread is still reachable");
        a.releaseFreeMemory(); // sweeps the second, dead too
        assertEquals(0, a.frontEnd.slotCensus()[1], "no slot holds a retired cache");
        a.checkInvariants();
        a.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void manyThreads_allServed_andSlotsOfDeadThreadsCleared() throws Exception {
        ThreadCacheStack a = new ThreadCacheStack(Config.defaults());
        int threads = 3 * ThreadCacheFrontEnd.SLOTS / 2; // more threads than slots
        int live = 64;
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> waiting = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            boolean stays = t < live;
            Thread th = Thread.ofPlatform().start(() -> {
                try {
                    long p = a.malloc(16 + 8 * (int) (Thread.currentThread().threadId() % 100));
                    NativeMemory.putLong(p, Thread.currentThread().threadId());
                    assertEquals(Thread.currentThread().threadId(), NativeMemory.getLong(p));
                    a.free(p);
                    if (stays) {
                        release.await();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            if (stays) {
                waiting.add(th);
            } else {
                th.join();
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        a.releaseFreeMemory(); // retires the caches of the threads that ended
        int[] census = a.frontEnd.slotCensus();
        assertEquals(0, census[1], "slots of retired caches are emptied");
        assertTrue(census[0] <= live + 1, "only live threads hold slots: " + census[0]);
        release.countDown();
        for (Thread th : waiting) {
            th.join();
        }
        a.releaseFreeMemory();
        assertEquals(0, a.frontEnd.slotCensus()[1]);
        assertEquals(0, a.stats().bytesInUse());
        a.checkInvariants();
        a.close();
    }

    @Test
    void virtualThreads_areNeverInstalled() throws Exception {
        ThreadCacheStack a = new ThreadCacheStack(Config.defaults());
        a.free(a.malloc(8));
        int before = a.frontEnd.slotCensus()[0];
        int caches = a.budget().liveCaches();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> vts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            vts.add(Thread.ofVirtual().start(() -> {
                try {
                    long p = a.malloc(48);
                    a.free(p);
                    assertFalse(a.frontEnd.slotted());
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : vts) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(before, a.frontEnd.slotCensus()[0]);
        assertEquals(caches, a.budget().liveCaches());
        a.checkInvariants();
        a.close();
    }
}
