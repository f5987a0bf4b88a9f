package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.NativeMemory;

import static io.rtmalloc.spi.FrontEndSupport.STATS;

import java.lang.ref.WeakReference;
import java.util.Arrays;

/**
 * One thread's cache: for each size class an intrusive free list of blocks
 * (the next pointer in each free block's first word), with tcmalloc's adaptive
 * length limits.
 *
 * <pre>
 *   heads[cl] -> block -> block -> ... -> block -> 0      lengths[cl] blocks
 * </pre>
 *
 * <p>SYNCHRONIZATION: every field but {@link #maxSize} belongs to the owner
 * thread, which alone touches it, without locks or atomics. After the owner
 * has died (seen through {@link Thread#isAlive()}, which happens-after its last
 * action, or through the cache becoming unreachable) the
 * {@link ThreadCacheBudget} may flush it under its lock. {@link #maxSize} is
 * written under the budget's lock, by the owner or by a thread stealing from
 * it, and read by the owner without a lock (a volatile read: a plain load on
 * x86). When the allocator closes, the closing thread empties the cache
 * ({@link #forget()}); the owner's later calls happen after the close, as
 * {@code Allocator.close()} requires.
 *
 * <p>INVARIANTS (while the owner is alive): {@code lengths[cl]} is the length
 * of the list at {@code heads[cl]}; {@code size} is the sum over classes of
 * {@code lengths[cl] * classSize[cl]}; {@code lowWater[cl] <= lengths[cl]};
 * {@code 1 <= maxLengths[cl] <= max(maxFreeListLength, batch)}.
 */
final class ThreadCache {

    // Hot fields, read on every call.
    final long[] heads;
    final int[] lengths;
    private final int[] classSize;
    /** Bytes held in all lists. */
    long size;
    /** The share of the budget this cache may hold; see the class comment. */
    volatile long maxSize;

    // Slow-path state.
    private final int[] maxLengths;
    private final int[] lowWater;
    private final int[] overages;
    private final int[] batch;
    private final int maxFreeListLength;
    private final int maxOverages;
    private final CentralCache central;
    private final ThreadCacheBudget budget;
    /** Counters {@code [cl * 4 + kind]} when stats are on, else null. */
    final long[] counters;

    final WeakReference<Thread> owner;
    /** Set once the cache has been given back (owner dead); guarded by the budget's lock. */
    boolean retired;

    ThreadCache(Config config, CentralCache central, ThreadCacheBudget budget, Thread owner, boolean stats) {
        SizeClasses classes = central.sizeClasses();
        int n = classes.count() + 1;
        this.heads = new long[n];
        this.lengths = new int[n];
        this.classSize = new int[n];
        this.maxLengths = new int[n];
        this.lowWater = new int[n];
        this.overages = new int[n];
        this.batch = new int[n];
        for (int cl = 1; cl < n; cl++) {
            classSize[cl] = classes.size(cl);
            batch[cl] = classes.batchSize(cl);
            maxLengths[cl] = 1;
        }
        this.maxFreeListLength = config.maxFreeListLength();
        this.maxOverages = config.maxOverages();
        this.central = central;
        this.budget = budget;
        this.counters = stats ? new long[n * 4] : null;
        this.owner = new WeakReference<>(owner);
    }

    /** Pops a block of class {@code cl}, refilling the list when it is empty. */
    long allocate(int cl) {
        long head = heads[cl];
        if (head != 0) {
            heads[cl] = NativeMemory.getLong(head);
            int len = --lengths[cl];
            if (len < lowWater[cl]) {
                lowWater[cl] = len;
            }
            size -= classSize[cl];
            if (STATS && counters != null) { // STATS is static final: off, the JIT drops the block
                counters[cl << 2]++;
            }
            return head;
        }
        return refill(cl);
    }

    /** Pushes a block of class {@code cl}, trimming the list or the cache when over their limits. */
    void free(int cl, long block) {
        NativeMemory.putLong(block, heads[cl]);
        heads[cl] = block;
        int len = ++lengths[cl];
        size += classSize[cl];
        if (len > maxLengths[cl]) {
            listTooLong(cl);
        } else if (size > maxSize) {
            scavenge();
        }
    }

    /**
     * The list of {@code cl} is empty: fetch up to a batch from the transfer
     * cache and let the list's limit grow (slow start: by one up to a batch,
     * then by a batch up to {@code max_free_list_length}).
     */
    private long refill(int cl) {
        int b = batch[cl];
        int max = maxLengths[cl];
        int n = Math.min(max, b);
        long head = central.removeRange(cl, n);
        if (max < b) {
            maxLengths[cl] = max + 1;
        } else {
            int grown = Math.min(max + b, Math.max(maxFreeListLength, b));
            maxLengths[cl] = Math.max(b, grown - grown % b);
        }
        overages[cl] = 0; // a miss ends a run of overflows
        heads[cl] = NativeMemory.getLong(head);
        lengths[cl] = n - 1;
        size += (long) (n - 1) * classSize[cl];
        if (STATS && counters != null) {
            counters[(cl << 2) + 1]++;
            counters[(cl << 2) + 2]++;
        }
        return head;
    }

    /**
     * The list of {@code cl} grew past its limit: give a batch back; grow the
     * limit while it is under a batch, and shrink it by a batch after
     * {@code max_overages} overflows in a row.
     */
    private void listTooLong(int cl) {
        int b = batch[cl];
        release(cl, Math.min(b, lengths[cl]));
        int max = maxLengths[cl];
        if (max < b) {
            maxLengths[cl] = max + 1;
        } else if (max > b && ++overages[cl] >= maxOverages) {
            maxLengths[cl] = max - b;
            overages[cl] = 0;
        }
        if (size > maxSize) {
            scavenge();
        }
    }

    /**
     * The cache is over its share: give back half of each list's low-water mark
     * (blocks that sat unused since the last scavenge), then ask the budget for
     * a larger share.
     */
    void scavenge() {
        for (int cl = 1; cl < heads.length; cl++) {
            int low = lowWater[cl];
            if (low > 0) {
                release(cl, low > 1 ? low >>> 1 : 1);
                int b = batch[cl];
                if (maxLengths[cl] > b) {
                    maxLengths[cl] = Math.max(maxLengths[cl] - b, b);
                }
            }
            lowWater[cl] = lengths[cl];
        }
        budget.grow(this);
    }

    /** Gives the first {@code n} blocks of list {@code cl} to the transfer cache as one chain. */
    private void release(int cl, int n) {
        if (n <= 0) {
            return;
        }
        long head = heads[cl];
        long last = head;
        for (int i = 1; i < n; i++) {
            last = NativeMemory.getLong(last);
        }
        heads[cl] = NativeMemory.getLong(last);
        int len = lengths[cl] -= n;
        if (len < lowWater[cl]) {
            lowWater[cl] = len;
        }
        size -= (long) n * classSize[cl];
        if (STATS && counters != null) {
            counters[(cl << 2) + 3]++;
        }
        central.insertRange(cl, head, n);
    }

    /** Gives every block back (the owner calls it, or the budget once the owner is dead). */
    void flushAll() {
        for (int cl = 1; cl < heads.length; cl++) {
            release(cl, lengths[cl]);
            lowWater[cl] = 0;
        }
    }

    /**
     * Drops every block without reading or writing it (their memory is about
     * to be unmapped): afterwards the next allocation refills from the central
     * cache. Called by the budget when the allocator closes.
     */
    void forget() {
        Arrays.fill(heads, 0);
        Arrays.fill(lengths, 0);
        Arrays.fill(lowWater, 0);
        size = 0;
    }

    int maxLength(int cl) {
        return maxLengths[cl];
    }

    /** Checks the invariants of the lists; the caller is the owner or the owner is dead. */
    void checkInvariants() {
        long bytes = 0;
        for (int cl = 1; cl < heads.length; cl++) {
            int len = 0;
            for (long b = heads[cl]; b != 0; b = NativeMemory.getLong(b)) {
                if (++len > lengths[cl]) {
                    throw new IllegalStateException("list " + cl + " longer than its count " + lengths[cl]);
                }
            }
            if (len != lengths[cl]) {
                throw new IllegalStateException("list " + cl + " has " + len + " blocks, counted " + lengths[cl]);
            }
            if (lowWater[cl] > len || maxLengths[cl] < 1) {
                throw new IllegalStateException("list " + cl + ": low water " + lowWater[cl] + ", max " + maxLengths[cl]);
            }
            bytes += (long) len * classSize[cl];
        }
        if (bytes != size) {
            throw new IllegalStateException("cache holds " + bytes + " bytes, counted " + size);
        }
    }
}
