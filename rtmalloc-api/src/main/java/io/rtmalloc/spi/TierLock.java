package io.rtmalloc.spi;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock of a shared tier (a size class's transfer cache and central free
 * list, the page heap): a {@link ReentrantLock} that a platform thread finding
 * it held first spins on for a while, as the JVM does for a monitor, before it
 * parks; a virtual thread parks at once.
 *
 * <p>Why not a monitor: a virtual thread that finds a monitor held (after its
 * spin) is unmounted, and the monitor's exit hands it to a platform thread of
 * the JDK (the "unblocker"), which submits it to the scheduler from outside
 * and wakes an idle carrier through the kernel. A virtual thread parked on a
 * {@code ReentrantLock} is unparked by the thread that frees the lock, onto
 * that thread's carrier's queue.
 *
 * <p>Why platform threads spin: the sections these locks guard are short, and
 * a platform thread that parks at once (what {@code ReentrantLock} does) pays
 * two context switches where a short wait would have done; a producer thread
 * handing blocks to a consumer thread meets its lock held often (64-byte
 * {@code producer_consumer} on the per-thread front end: 25.22 ± 2.72 ns a
 * block with the spin, 52.53 ± 17.29 without it, one run). The same run
 * shows the cost: the global front end, which takes a transfer cache's lock
 * on every call, was four times faster without the spin (162.95 ± 15.42
 * against 693.26 ± 212.62 ns), since a thread that parks leaves the other
 * a run of calls with the lock's line in its own cache; the spin is kept for
 * the caching front ends, which take these locks on their slow paths only
 * ({@code thread_scalability} with 8 threads: no difference beyond the
 * noise). Why virtual threads do not: their carrier, while it spins, runs none
 * of the other virtual threads waiting for it, and parking a virtual thread
 * costs no context switch ({@code virtual_threads} took 30% longer with the
 * spin).
 */
public final class TierLock extends ReentrantLock {

    private static final long serialVersionUID = 1L;

    /** A platform thread's tries before it parks, each after a spin-wait hint: some microseconds. */
    static final int SPINS = 100;

    /** A free, non-fair lock. */
    public TierLock() {
    }

    /** Takes the lock: at once when free, else (a platform thread) after spinning, else by parking. */
    @Override
    public void lock() {
        if (!tryLock()) {
            spinThenLock();
        }
    }

    private void spinThenLock() {
        if (!Thread.currentThread().isVirtual()) {
            for (int i = 0; i < SPINS; i++) {
                Thread.onSpinWait();
                if (!isLocked() && tryLock()) {
                    return;
                }
            }
        }
        super.lock();
    }
}
