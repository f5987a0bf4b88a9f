package io.rtmalloc.internal;

import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * The live segments of {@link Allocator#allocate(long, long)} made by one
 * thread: an open-addressing hash table from a block's address to the
 * confined {@link Arena} that is the segment's lifetime, and the segment's
 * size. Linear probing; removal shifts later entries back, so there are no
 * tombstones. Used by its thread only, so it takes no lock.
 *
 * <p>INVARIANTS: {@code keys[i] == 0} iff slot {@code i} is empty; every
 * entry lies between its home slot and the first empty slot after it;
 * {@code size} is the number of entries; {@code size <= capacity / 2}.
 */
final class SegmentTable {

    private long[] keys = new long[16];
    private Arena[] lifetimes = new Arena[16];
    private long[] sizes = new long[16];
    private int mask = 15;
    private int size;

    private static int home(long address, int mask) {
        return (int) ((address * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    /** Records a live segment of {@code bytes} at {@code address} (a key not present). */
    void put(long address, Arena lifetime, long bytes) {
        if (size >= (mask + 1) >>> 1) {
            grow();
        }
        int i = home(address, mask);
        while (keys[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = address;
        lifetimes[i] = lifetime;
        sizes[i] = bytes;
        size++;
    }

    /** The slot of {@code address}, or -1. */
    int find(long address) {
        if (address == 0) {
            return -1;
        }
        for (int i = home(address, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == address) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    Arena lifetime(int slot) {
        return lifetimes[slot];
    }

    long bytes(int slot) {
        return sizes[slot];
    }

    /** Removes the entry in {@code slot}, shifting the entries after it that would no longer be found. */
    void remove(int slot) {
        int hole = slot;
        for (int i = (slot + 1) & mask; keys[i] != 0; i = (i + 1) & mask) {
            int h = home(keys[i], mask);
            // Move entry i into the hole when its home is not in (hole, i] (cyclically).
            boolean stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
            if (!stays) {
                keys[hole] = keys[i];
                lifetimes[hole] = lifetimes[i];
                sizes[hole] = sizes[i];
                hole = i;
            }
        }
        keys[hole] = 0;
        lifetimes[hole] = null;
        sizes[hole] = 0;
        size--;
    }

    int size() {
        return size;
    }

    /** Calls {@code action} with every address recorded; then empties the table. */
    void drain(java.util.function.LongConsumer action) {
        for (int i = 0; i <= mask; i++) {
            if (keys[i] != 0) {
                action.accept(keys[i]);
            }
        }
        Arrays.fill(keys, 0);
        Arrays.fill(lifetimes, null);
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        Arena[] oldLifetimes = lifetimes;
        long[] oldSizes = sizes;
        int capacity = oldKeys.length * 2;
        keys = new long[capacity];
        lifetimes = new Arena[capacity];
        sizes = new long[capacity];
        mask = capacity - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldLifetimes[i], oldSizes[i]);
            }
        }
    }

    /** Checks the invariants; throws {@link IllegalStateException} on the first broken one. */
    void checkInvariants() {
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            if (keys[i] == 0) {
                continue;
            }
            n++;
            for (int j = home(keys[i], mask); j != i; j = (j + 1) & mask) {
                if (keys[j] == 0) {
                    throw new IllegalStateException("segment table: entry 0x" + Long.toHexString(keys[i])
                            + " unreachable from its home slot");
                }
            }
        }
        if (n != size || size > (mask + 1) >>> 1) {
            throw new IllegalStateException("segment table: " + n + " entries, counted " + size);
        }
    }
}
