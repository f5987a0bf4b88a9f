package io.rtmalloc.internal;

import io.rtmalloc.Config;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * The one daemon thread, {@value #THREAD_NAME}, that returns idle memory of
 * every allocator to the OS: each allocator whose configuration asks for it
 * ({@link Config#backgroundRelease()}) registers a task that runs every
 * {@link #period} of its decay time; the thread sleeps until the next task is
 * due, runs it, and ends when no task is left (the next registration starts a
 * new one).
 *
 * <p>Why one thread for all allocators rather than one each: a process may
 * build many allocators (a library each, a test suite hundreds), and the work
 * of a task is small and rare (a few microseconds when nothing is due; about
 * 35 ms per GiB released); a thread each would cost a stack and a scheduler
 * entry per allocator for nothing. A slow task (a large release) delays the
 * others by that long, which only makes their release a little late.
 *
 * <p>A task holds its allocator through a {@link WeakReference}: an allocator
 * that the program drops without closing can still be collected (its task then
 * ends); while a task runs, it holds the allocator. {@link #cancel} (from
 * {@code close()}) ends a task; the allocator also refuses a task that runs
 * after its close (see {@link RtAllocator#releaseInBackground}).
 *
 * <p>SYNCHRONIZATION: the task list and the thread are guarded by
 * {@link #LOCK}; tasks run outside it.
 */
final class BackgroundRelease {

    static final String THREAD_NAME = "rtmalloc-release";

    private static final Object LOCK = new Object();
    private static final List<Task> TASKS = new ArrayList<>();
    private static Thread thread;
    private static final System.Logger LOG = System.getLogger("io.rtmalloc");

    private BackgroundRelease() {
    }

    /** One allocator's registration. */
    static final class Task {
        private final WeakReference<RtAllocator> allocator;
        private final long periodNanos;
        private long due;
        private boolean cancelled;

        private Task(RtAllocator allocator, long periodNanos) {
            this.allocator = new WeakReference<>(allocator);
            this.periodNanos = periodNanos;
            this.due = System.nanoTime() + periodNanos;
        }
    }

    /**
     * How often an allocator's task runs: an eighth of the decay time (or half
     * of the large blocks' delay, if shorter), from 10 ms to 1 s. An eighth, so
     * that a page is released at most an eighth late; a second at most, so that
     * idle caches are scavenged and a soft limit is noticed soon.
     */
    static long periodNanos(Config config) {
        long ms = Long.MAX_VALUE;
        if (config.releaseDecayMs() > 0) {
            ms = config.releaseDecayMs() / 8;
        }
        if (config.largeReleaseThreshold() > 0 && config.largeReleaseDelayMs() > 0) {
            ms = Math.min(ms, config.largeReleaseDelayMs() / 2);
        }
        return Math.clamp(ms, 10, 1000) * 1_000_000L;
    }

    /** Registers {@code allocator}'s task, starting the thread if none runs. */
    static Task register(RtAllocator allocator, long periodNanos) {
        Task task = new Task(allocator, periodNanos);
        synchronized (LOCK) {
            TASKS.add(task);
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name(THREAD_NAME).unstarted(BackgroundRelease::loop);
                thread.setContextClassLoader(null); // keep no class loader (OSGi bundle, web app) reachable
                thread.start();
            } else {
                LOCK.notifyAll();
            }
        }
        return task;
    }

    /** Ends a task; it does not run again (one running now finishes). */
    static void cancel(Task task) {
        synchronized (LOCK) {
            task.cancelled = true;
            TASKS.remove(task);
            LOCK.notifyAll();
        }
    }

    /** Whether the thread runs now; for tests. */
    static boolean running() {
        synchronized (LOCK) {
            return thread != null;
        }
    }

    /** Tasks registered now; for tests. */
    static int tasks() {
        synchronized (LOCK) {
            return TASKS.size();
        }
    }

    private static void loop() {
        List<Task> due = new ArrayList<>();
        while (true) {
            synchronized (LOCK) {
                TASKS.removeIf(t -> t.cancelled || t.allocator.refersTo(null));
                if (TASKS.isEmpty()) {
                    thread = null;
                    return;
                }
                long now = System.nanoTime();
                long next = Long.MAX_VALUE;
                for (Task t : TASKS) {
                    if (t.due - now <= 0) {
                        due.add(t);
                    } else {
                        next = Math.min(next, t.due - now);
                    }
                }
                if (due.isEmpty()) {
                    try {
                        LOCK.wait(Math.max(1, (next + 999_999) / 1_000_000));
                    } catch (InterruptedException e) {
                        // Nobody else owns this thread: go on.
                    }
                    continue;
                }
            }
            for (Task t : due) {
                run(t);
                synchronized (LOCK) {
                    t.due = System.nanoTime() + t.periodNanos;
                }
            }
            due.clear();
        }
    }

    /** Runs one task; its allocator is held only for the length of this call. */
    private static void run(Task task) {
        RtAllocator a = task.allocator.get();
        if (a == null) {
            return;
        }
        try {
            a.releaseInBackground();
        } catch (Throwable t) {
            // Never let one allocator's failure stop the release of the others.
            LOG.log(System.Logger.Level.WARNING, "rtmalloc: background release of " + a + " failed", t);
        }
    }
}
