package io.rtmalloc.central;

import io.rtmalloc.spi.NativeMemory;

import java.util.Set;

/**
 * Free blocks of one size class kept in an array, in front of its
 * {@link CentralFreeList}, so that blocks moving between front ends skip the
 * span bookkeeping. It holds at most {@code maxTransferSlots} batches; it
 * refills and spills one batch at a time.
 *
 * <pre>
 *   slots: [ b0 b1 ... b(used-1) | empty ... ]      capacity = slots x batch
 *            oldest        newest  ^ used
 * </pre>
 *
 * <p>SYNCHRONIZATION: every method holds this cache's monitor, and may take the
 * central free list's lock inside it (never the other way round). Every
 * central operation on the class goes through this cache, so once
 * {@link #close()} has run under the monitor, no later one touches a block.
 */
final class TransferCache {

    private final int batch;
    private final long[] slots;
    private final CentralFreeList list;
    private int used;
    /** The fewest blocks held since the last {@link #scavenge}: so many sat unused all that time. */
    private int lowWater;
    private boolean closed;

    TransferCache(int batch, int maxSlots, CentralFreeList list) {
        this.batch = batch;
        this.slots = new long[Math.multiplyExact(batch, maxSlots)];
        this.list = list;
    }

    synchronized long allocate() {
        ensureOpen();
        if (used == 0) {
            int n = Math.min(batch, slots.length);
            list.removeInto(slots, 0, n);
            used = n;
        }
        if (--used < lowWater) {
            lowWater = used;
        }
        return slots[used];
    }

    synchronized void free(long block) {
        ensureOpen();
        if (used == slots.length) {
            spill();
        }
        slots[used++] = block;
    }

    /** {@code count} blocks as a chain (each block's first word the next, the last 0). */
    synchronized long removeRange(int count) {
        ensureOpen();
        if (used < count) {
            return list.removeChain(count);
        }
        int from = used - count;
        long head = 0;
        for (int i = from; i < used; i++) {
            NativeMemory.putLong(slots[i], head);
            head = slots[i];
        }
        used = from;
        if (used < lowWater) {
            lowWater = used;
        }
        return head;
    }

    /** Takes back a chain of {@code count} blocks. */
    synchronized void insertRange(long head, int count) {
        ensureOpen();
        if (slots.length - used < count) {
            if (count > slots.length) {
                list.insertChain(head, count);
                return;
            }
            spill();
            if (slots.length - used < count) {
                list.insertChain(head, count);
                return;
            }
        }
        for (int i = 0; i < count; i++) {
            slots[used++] = head;
            if (i + 1 < count) {
                head = NativeMemory.getLong(head);
            }
        }
    }

    /** Gives the oldest batch back to the central free list. */
    private void spill() {
        spill(Math.min(batch, used));
    }

    /** Gives the oldest {@code n} blocks back to the central free list. */
    private void spill(int n) {
        if (lowWater > used - n) {
            lowWater = used - n;
        }
        try {
            list.insertFrom(slots, 0, n);
        } finally {
            System.arraycopy(slots, n, slots, 0, used - n);
            used -= n;
        }
    }

    /** Gives everything back to the central free list. */
    synchronized void drain() {
        ensureOpen();
        int n = used;
        used = 0;
        lowWater = 0;
        list.insertFrom(slots, 0, n);
    }

    /**
     * For the background release: gives back to the central free list the
     * blocks that no front end took since the last call (the low-water mark of
     * what it held), oldest first, as tcmalloc plunders an idle transfer
     * cache; with {@code all}, everything. Closed: nothing.
     */
    synchronized void scavenge(boolean all) {
        if (closed) {
            return;
        }
        int n = all ? used : Math.min(lowWater, used);
        if (n > 0) {
            spill(n);
        }
        lowWater = used;
    }

    synchronized int used() {
        ensureOpen();
        return used;
    }

    /** Forgets every block (without touching it); every later call throws {@link IllegalStateException}. */
    synchronized void close() {
        closed = true;
        used = 0;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("rtmalloc: this central cache is closed: its memory went back to the OS");
        }
    }

    /** Adds every block held to {@code seen}, failing on a duplicate. */
    synchronized void collect(Set<Long> seen) {
        ensureOpen();
        for (int i = 0; i < used; i++) {
            CentralFreeList.check(seen.add(slots[i]), "block 0x" + Long.toHexString(slots[i])
                    + " twice in the transfer cache or also free in its span");
        }
    }
}
