package io.rtmalloc.jcstress;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Live platform threads that do nothing but wait, to stand as the owners of
 * caches: a thread cache whose owner is alive is never retired by a sweep, so
 * a test decides itself when such a cache is retired.
 */
public final class LiveThreads {

    private static final Runnable PARK = () -> {
        while (true) {
            LockSupport.park();
        }
    };

    private static final Thread ANY = start(Thread.ofPlatform().daemon().name("rtmalloc-jcstress-owner").unstarted(PARK));
    /** Per slot of a table of {@code slots} entries keyed by {@code threadId & (slots - 1)}: a thread of that slot. */
    private static final Map<Long, Thread> COLLIDING = new HashMap<>();

    private LiveThreads() {
    }

    /** A live thread. */
    public static Thread any() {
        return ANY;
    }

    /**
     * A live thread, other than the one of {@code threadId}, whose id falls in
     * the same slot of a table of {@code slots} (a power of two) keyed by
     * {@code threadId & (slots - 1)}: made once per slot, by making threads
     * until one's id falls there (thread ids are handed out in sequence).
     */
    public static synchronized Thread collidingWith(long threadId, int slots) {
        long slot = threadId & (slots - 1);
        long key = ((long) slots << 32) | slot;
        Thread found = COLLIDING.get(key);
        if (found != null) {
            return found;
        }
        for (int tries = 0; tries < 64 * slots; tries++) {
            Thread t = Thread.ofPlatform().daemon().name("rtmalloc-jcstress-slot-" + slot).unstarted(PARK);
            if ((t.threadId() & (slots - 1)) == slot && t.threadId() != threadId) {
                COLLIDING.put(key, start(t));
                return t;
            }
        }
        throw new IllegalStateException("no thread id fell in slot " + slot + " of " + slots);
    }

    private static Thread start(Thread t) {
        t.start();
        return t;
    }
}
