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
 * a run of calls with the lock's line in its own cache; in another run,
 * {@code thread_scalability} with 8 threads on the global front end took
 * 325.26 ± 7.82 ns a pair without the spin and 1263.65 ± 103.83 with it.
 * So the global front end turns the spin off
 * ({@link #spinWhenHeld(boolean)}, through
 * {@link CentralCache#spinWhenHeld(boolean)}), and the caching front ends,
 * which take these locks on their slow paths only, keep it
 * ({@code thread_scalability} with 8 threads on the per-thread front end:
 * 31.74 ± 0.95 with the spin, 32.95 ± 2.94 without).
 *
 * <p>Why virtual threads do not spin: their carrier, while it spins, runs
 * none of the other virtual threads waiting for it, and parking a virtual
 * thread costs no context switch ({@code virtual_threads} took 30% longer
 * with the spin).
 */
public final class TierLock extends ReentrantLock {

    private static final long serialVersionUID = 1L;

    /** A platform thread's tries before it parks, each after a spin-wait hint: some microseconds. */
    static final int SPINS = 100;

    /**
     * The tries of a platform thread before it parks: {@link #SPINS}, or 0
     * once {@link #spinWhenHeld(boolean) spinWhenHeld(false)}. Read only after
     * a failed {@code tryLock}; a thread that reads a stale value spins or
     * parks, and either is correct.
     */
    private int spins = SPINS;

    /** A free, non-fair lock. */
    public TierLock() {
    }

    /**
     * Whether a platform thread that finds the lock held spins before it
     * parks (the default) or parks at once, as virtual threads do: see the
     * class comment for which front end wants which. Set it before the lock
     * is shared.
     *
     * @param spin whether platform threads spin
     */
    public void spinWhenHeld(boolean spin) {
        spins = spin ? SPINS : 0;
    }

    /**
     * The tries a platform thread makes before it parks.
     *
     * @return {@link #SPINS}, or 0 when the lock does not spin
     */
    public int spins() {
        return spins;
    }

    /** Takes the lock: at once when free, else (a platform thread) after spinning, else by parking. */
    @Override
    public void lock() {
        if (!tryLock()) {
            spinThenLock();
        }
    }

    private void spinThenLock() {
        int n = spins;
        if (n > 0 && !Thread.currentThread().isVirtual()) {
            for (int i = 0; i < n; i++) {
                Thread.onSpinWait();
                if (!isLocked() && tryLock()) {
                    return;
                }
            }
        }
        super.lock();
    }
}
