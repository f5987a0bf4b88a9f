package io.rtmalloc.central;

import io.rtmalloc.spi.FreeList;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.TierLock;

import java.util.Set;

/**
 * Free blocks of one size class kept in a ring, in front of its
 * {@link CentralFreeList}, so that blocks moving between front ends skip the
 * span bookkeeping. It holds at most {@code maxTransferSlots} batches; it
 * refills and spills one batch at a time. Front ends take the newest blocks
 * (warm in cache); a spill gives back the oldest, with no blocks moved.
 *
 * <pre>
 *   slots: [ ... | b0 b1 ... b(used-1) | ... ]   capacity = slots x batch, indices mod capacity
 *                  ^ start (oldest)  newest
 * </pre>
 *
 * <p>SYNCHRONIZATION: every method holds this cache's lock, which also guards
 * its central free list, and may take the page heap's lock inside it (never
 * the other way round). Every central operation on the class goes through
 * this cache, so once {@link #close()} has run under the lock, no later one
 * touches a block.
 *
 * <p>The lock is a {@link TierLock}, not the object's monitor, for virtual
 * threads (its comment says why). With 10,000 virtual threads on two carriers
 * sharing the classes' locks (the {@code virtual_threads} benchmark), the
 * monitors cost a sixth of the process's CPU time, in the kernel and in the
 * JDK's thread that wakes virtual threads blocked on monitors.
 */
final class TransferCache {

    private final int batch;
    private final long[] slots;
    private final CentralFreeList list;
    /** Guards everything below, and the central free list behind this cache. */
    private final TierLock lock = new TierLock();
    /** Index of the oldest block. */
    private int start;
    private int used;
    /** Whether a front end took or gave blocks since the last {@link #scavenge}. */
    private boolean active;
    private boolean closed;

    TransferCache(int batch, int maxSlots, CentralFreeList list) {
        this.batch = batch;
        this.slots = new long[Math.multiplyExact(batch, maxSlots)];
        this.list = list;
    }

    long allocate() {
        lock.lock();
        try {
            ensureOpen();
            active = true;
            if (used == 0) {
                int n = Math.min(batch, slots.length);
                list.removeInto(slots, 0, n);
                start = 0;
                used = n;
            }
            return slots[at(--used)];
        } finally {
            lock.unlock();
        }
    }

    /** See {@link TierLock#spinWhenHeld}. */
    void spinWhenHeld(boolean spin) {
        lock.spinWhenHeld(spin);
    }

    /** See {@link TierLock#spins}. */
    int spins() {
        return lock.spins();
    }

    /** Takes this cache's lock, for a caller that reads it and its list together. */
    void lock() {
        lock.lock();
    }

    /** Frees this cache's lock. */
    void unlock() {
        lock.unlock();
    }

    /** The array index of the {@code i}-th oldest block. */
    private int at(int i) {
        int j = start + i;
        return j < slots.length ? j : j - slots.length;
    }

    void free(long block) {
        lock.lock();
        try {
            ensureOpen();
            active = true;
            if (onTop(block)) {
                throw new IllegalArgumentException("double free of 0x" + Long.toHexString(block)
                        + ": it is already the last block given back to its transfer cache");
            }
            if (used == slots.length) {
                spill();
            }
            slots[at(used++)] = block;
        } finally {
            lock.unlock();
        }
    }

    /** {@code count} blocks as a chain ({@link FreeList}), the newest first, the last linked to 0. */
    long removeRange(int count) {
        lock.lock();
        try {
            ensureOpen();
            active = true;
            if (used < count) {
                return list.removeChain(count);
            }
            int from = used - count;
            int at = at(from);
            int first = Math.min(count, slots.length - at); // the ring's two runs, the newest last
            long head = FreeList.pushAll(0, slots, at, first);
            head = FreeList.pushAll(head, slots, 0, count - first);
            used = from;
            return head;
        } finally {
            lock.unlock();
        }
    }

    /** Takes back a chain of {@code count} blocks. */
    void insertRange(long head, int count) {
        lock.lock();
        try {
            ensureOpen();
            active = true;
            if (count == 1 && onTop(head)) {
                return;
            }
            if (!makeRoom(count)) {
                list.insertChain(head, count);
                return;
            }
            // In at most two runs of the ring, each block checked before its link is read.
            HeapIndex index = list.index();
            int to = at(used);
            int first = Math.min(count, slots.length - to);
            int copied = FreeList.copy(head, first, slots, to, index);
            if (copied == first && first < count) {
                copied += FreeList.copy(FreeList.next(slots[to + first - 1]), count - first, slots, 0, index);
            }
            used += copied;
            if (copied < count) {
                // A link damaged after the front end walked the chain: what came before it is kept.
                long link = copied == 0 ? head : FreeList.next(slots[at(used - 1)]);
                throw FreeList.brokenChain(list.sizeClass(), count, copied, link);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The {@code count} newest blocks into {@code dst[from ..)}, without touching them. */
    void removeBatch(long[] dst, int from, int count) {
        lock.lock();
        try {
            ensureOpen();
            active = true;
            if (used < count) {
                list.removeInto(dst, from, count);
                return;
            }
            used -= count;
            copyOut(used, dst, from, count);
        } finally {
            lock.unlock();
        }
    }

    /** Takes back {@code src[from .. from+count)}, validated blocks, without touching them. */
    void insertBatch(long[] src, int from, int count) {
        lock.lock();
        try {
            ensureOpen();
            active = true;
            if (count == 1 && onTop(src[from])) {
                return;
            }
            if (!makeRoom(count)) {
                list.insertFrom(src, from, count);
                return;
            }
            int to = at(used);
            int first = Math.min(count, slots.length - to);
            System.arraycopy(src, from, slots, to, first);
            System.arraycopy(src, from + first, slots, 0, count - first);
            used += count;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether {@code block} is the newest block held. Freed singly, that is a
     * double free and throws; given back alone in a batch, it is a double free
     * that reached this cache through a thread cache's overflow, on a later
     * call than the bad one, and is kept once, not thrown (the call that
     * brought it here did nothing wrong).
     */
    private boolean onTop(long block) {
        return used > 0 && slots[at(used - 1)] == block;
    }

    /** Copies the {@code count} blocks from the {@code i}-th oldest on into {@code dst[from ..)}. */
    private void copyOut(int i, long[] dst, int from, int count) {
        int at = at(i);
        int first = Math.min(count, slots.length - at);
        System.arraycopy(slots, at, dst, from, first);
        System.arraycopy(slots, 0, dst, from + first, count - first);
    }

    /**
     * Whether {@code count} more blocks fit in the ring, after giving the
     * oldest batch back when they do not; false when they still do not (the
     * caller gives them to the central free list directly).
     */
    private boolean makeRoom(int count) {
        if (slots.length - used >= count) {
            return true;
        }
        if (count > slots.length) {
            return false;
        }
        spill();
        return slots.length - used >= count;
    }

    /** Gives the oldest batch back to the central free list. */
    private void spill() {
        spill(Math.min(batch, used));
    }

    /**
     * Gives the oldest {@code n} blocks back to the central free list, in at
     * most two runs of the array. They leave the ring first: a block the list
     * refuses (freed twice) is not kept either.
     */
    private void spill(int n) {
        int first = Math.min(n, slots.length - start);
        int from = start;
        start = at(n);
        used -= n;
        if (used == 0) {
            start = 0;
        }
        try {
            list.insertFrom(slots, from, first);
        } finally {
            if (n > first) {
                list.insertFrom(slots, 0, n - first);
            }
        }
    }

    /** Gives everything back to the central free list. */
    void drain() {
        lock.lock();
        try {
            ensureOpen();
            spill(used);
        } finally {
            lock.unlock();
        }
    }

    /**
     * For the background release: when no front end took or gave a block since
     * the last call (or with {@code all}), gives every block back to the
     * central free list, so that their spans can go back to the page heap.
     * A cache in use keeps its blocks: taking part of them (tcmalloc's
     * low-water plunder) was measured to cost a steady workload 4 to 9% of its
     * throughput, since its front ends then fall through to the central list
     * more often for the rest of the second. Closed: nothing.
     */
    void scavenge(boolean all) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if ((all || !active) && used > 0) {
                spill(used);
            }
            active = false;
        } finally {
            lock.unlock();
        }
    }

    /** The blocks held; the caller holds the lock ({@link #lock()}), or is the only thread. */
    int used() {
        ensureOpen();
        return used;
    }

    /** Forgets every block (without touching it); every later call throws {@link IllegalStateException}. */
    void close() {
        lock.lock();
        try {
            closed = true;
            start = 0;
            used = 0;
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("rtmalloc: this central cache is closed: its memory went back to the OS");
        }
    }

    /**
     * Adds every block held to {@code seen}, failing on a duplicate; the caller
     * holds the lock ({@link #lock()}), or is the only thread.
     */
    void collect(Set<Long> seen) {
        ensureOpen();
        for (int i = 0; i < used; i++) {
            long b = slots[at(i)];
            CentralFreeList.check(seen.add(b), "block 0x" + Long.toHexString(b)
                    + " twice in the transfer cache or also free in its span");
        }
    }
}
