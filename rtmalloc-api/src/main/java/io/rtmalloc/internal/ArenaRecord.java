package io.rtmalloc.internal;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Arrays;

/**
 * The blocks of one arena of an {@link RtAllocator}, kept apart from the arena
 * object so that they outlive it: a phantom reference to the arena's JDK
 * session, which every segment of the arena references. The session becomes
 * unreachable only once the arena and all its segments are, and only then may
 * an arena that was never closed give its blocks back (its leak is counted):
 * no segment that could still read them is left.
 *
 * <p>SYNCHRONIZATION: a confined arena's record is written by the owner
 * thread only (blocks and list links); a shared arena's under the arena's
 * lock. {@link #finish()} decides once, by a compare-and-set, who gives the
 * blocks back: {@code close()}, the leak reclaimer, or the sweep of a dead
 * owner's arenas; the last two read the blocks after the owner stopped
 * writing them (the arena became unreachable, or its owner died).
 */
final class ArenaRecord extends PhantomReference<MemorySegment.Scope> {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(ArenaRecord.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 0 while the arena is open; 1 once its blocks are given back (or being given back). */
    private volatile int done;

    /** The first block inline (most arenas of a scope hold few), the rest in {@link #more}. */
    private long first;
    private long[] more;
    private int count;

    /** Where the arena was opened, when leak reports are switched on. */
    final Throwable site;
    /** Whether the arena is a shared one (for the report). */
    final boolean shared;

    /** Links of the owner thread's list of open confined arenas (owner only). */
    ArenaRecord prev;
    ArenaRecord next;

    ArenaRecord(MemorySegment.Scope session, ReferenceQueue<? super MemorySegment.Scope> queue, boolean shared,
                boolean trackSite) {
        super(session, queue);
        this.shared = shared;
        this.site = trackSite ? new Throwable("arena opened here") : null;
    }

    /** Records a block. */
    void add(long address) {
        if (count == 0) {
            first = address;
        } else {
            if (more == null) {
                more = new long[8];
            } else if (count - 1 == more.length) {
                more = Arrays.copyOf(more, more.length * 2);
            }
            more[count - 1] = address;
        }
        count++;
    }

    /** The blocks recorded. */
    int count() {
        return count;
    }

    /** Block {@code i}. */
    long block(int i) {
        return i == 0 ? first : more[i - 1];
    }

    /** Whether the blocks were given back. */
    boolean isDone() {
        return done != 0;
    }

    /**
     * Claims the right to give the blocks back; true for the one caller that
     * wins (the leak reclaimer, the sweep of dead threads, a shared arena's
     * close).
     */
    boolean finish() {
        return DONE.compareAndSet(this, 0, 1);
    }

    /**
     * {@link #finish()} for the close of a confined arena by its owner, which
     * nothing can race: the others act only on arenas no thread can reach or
     * whose owner died. A plain store, and no {@link #clear()}: the record of
     * a closed arena is unlinked and becomes garbage with the arena, so the
     * collector never discovers it.
     */
    boolean finishByOwner() {
        if (done != 0) {
            return false;
        }
        DONE.setRelease(this, 1);
        return true;
    }
}
