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
 * handing blocks to a consumer thread meets its lock held often (the
 * {@code producer_consumer} benchmark took three times as long without the
 * spin). Why virtual threads do not: their carrier, while it spins, runs none
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
