package io.rtmalloc.internal;

import java.lang.ref.WeakReference;

/**
 * One thread's share of an allocator's segment layer: the live segments of
 * {@link Allocator#allocate(long, long)} it made (each confined to it) and the
 * list of its open confined arenas.
 *
 * <p>SYNCHRONIZATION: every field but {@link #retired} belongs to the owner
 * thread. Other threads read {@link #liveSegments()} and
 * {@link #openArenas} racily (for {@code close()}, which runs while no other
 * call does, and for statistics); once the owner is dead, the allocator's
 * sweep takes everything back under the registry's lock.
 */
final class ThreadSegments {

    final long ownerId;
    final WeakReference<Thread> owner;
    final SegmentTable table = new SegmentTable();
    /** Open confined arenas of this thread, linked through their records. */
    ArenaRecord arenas;
    int openArenas;
    /** Arenas opened so far: every 256th, the allocator polls for leaked arenas. */
    int opened;
    /** Set once the owner died and the sweep took everything back. */
    volatile boolean retired;

    ThreadSegments(Thread owner) {
        this.ownerId = owner.threadId();
        this.owner = new WeakReference<>(owner);
    }

    void link(ArenaRecord r) {
        r.next = arenas;
        if (arenas != null) {
            arenas.prev = r;
        }
        arenas = r;
        openArenas++;
    }

    void unlink(ArenaRecord r) {
        if (r.prev != null) {
            r.prev.next = r.next;
        } else if (arenas == r) {
            arenas = r.next;
        }
        if (r.next != null) {
            r.next.prev = r.prev;
        }
        r.prev = null;
        r.next = null;
        openArenas--;
    }

    /** Unlinks the records of arenas found leaked (their blocks already went back). */
    void unlinkLeaked() {
        for (ArenaRecord r = arenas; r != null; ) {
            ArenaRecord next = r.next;
            if (r.isDone()) {
                unlink(r);
            }
            r = next;
        }
    }

    int liveSegments() {
        return table.size();
    }

    boolean ownerAlive() {
        Thread t = owner.get();
        return t != null && t.isAlive();
    }
}
