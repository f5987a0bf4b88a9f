package io.rtmalloc.spi;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TierLockTest {

    private int counter;

    @Test
    void excludesThreads_whenPlatformThreadsParkAtOnce() throws InterruptedException {
        TierLock lock = new TierLock();
        assertEquals(TierLock.SPINS, lock.spins());
        lock.spinWhenHeld(false);
        assertEquals(0, lock.spins());
        excludes(lock);
        lock.spinWhenHeld(true);
        assertEquals(TierLock.SPINS, lock.spins());
    }

    @Test
    void excludesPlatformAndVirtualThreadsAlike() throws InterruptedException {
        excludes(new TierLock());
    }

    private void excludes(TierLock lock) throws InterruptedException {
        counter = 0;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Runnable body = () -> {
                for (int i = 0; i < 20_000; i++) {
                    lock.lock();
                    try {
                        counter++; // a lost update shows as a count short of 160,000
                    } finally {
                        lock.unlock();
                    }
                    if ((i & 255) == 0) {
                        Thread.yield();
                    }
                }
            };
            threads.add(t % 2 == 0 ? Thread.ofPlatform().start(body) : Thread.ofVirtual().start(body));
        }
        for (Thread t : threads) {
            assertTrue(t.join(java.time.Duration.ofSeconds(60)), "a thread did not finish");
        }
        assertEquals(160_000, counter);
        assertFalse(lock.isLocked());
    }

    @Test
    void isReentrant() {
        TierLock lock = new TierLock();
        lock.lock();
        lock.lock();
        assertEquals(2, lock.getHoldCount());
        lock.unlock();
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
        assertFalse(lock.isLocked());
    }

    /**
     * Virtual threads waiting for the lock give their carriers up: with more
     * waiters than carriers, another virtual thread still runs while the lock
     * stays held, and every waiter gets the lock once it is freed.
     */
    @Test
    void waitingVirtualThreads_leaveTheirCarriersFree() throws InterruptedException {
        TierLock lock = new TierLock();
        int waiters = Runtime.getRuntime().availableProcessors() * 4 + 4;
        CountDownLatch started = new CountDownLatch(waiters);
        CountDownLatch done = new CountDownLatch(waiters);
        lock.lock();
        try {
            for (int i = 0; i < waiters; i++) {
                Thread.ofVirtual().start(() -> {
                    started.countDown();
                    lock.lock();
                    try {
                        done.countDown();
                    } finally {
                        lock.unlock();
                    }
                });
            }
            assertTrue(started.await(30, TimeUnit.SECONDS));
            CountDownLatch ran = new CountDownLatch(1);
            Thread.ofVirtual().start(ran::countDown);
            assertTrue(ran.await(30, TimeUnit.SECONDS), "no carrier was free while " + waiters + " waited");
            assertEquals(waiters, done.getCount(), "a waiter got a held lock");
        } finally {
            lock.unlock();
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), "waiters left: " + done.getCount());
    }
}
