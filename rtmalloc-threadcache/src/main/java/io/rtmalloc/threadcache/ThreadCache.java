package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.spi.HeapIndex;

import java.lang.ref.WeakReference;
import java.util.Arrays;

import static io.rtmalloc.spi.Switches.STATS;

/**
 * One thread's cache: for each size class a stack of free blocks, its top in
 * {@code tops[cl]} and the rest in a Java array, with tcmalloc's adaptive
 * length limits.
 *
 * <pre>
 *   tops[cl]:    b(n+1)                                  0 when the stack is empty
 *   stacks[cl]: [ 0 | b1 b2 ... bn | room ... ]           n = lists[(cl << 2) + LENGTH]
 *                 ^ always 0                              n + 1 &lt;= lists[(cl << 2) + MAX_LENGTH], array length &gt;= limit + 2
 * </pre>
 *
 * <p>The top is kept apart so that what a pop returns, and what the next
 * push compares with, is one load of {@code tops[cl]}, as the head of a
 * linked list would be: the length, and the array slot it indexes, are off
 * that path. (With the top in the array, the slot's address depends on the
 * length just written by the previous call, and the 64-byte pair took
 * 9.4 ns instead of 7.3.)
 *
 * <p>The blocks are not linked through their first words: a pop or a push
 * reads and writes no block (a block another thread freed, or one freed long
 * ago, is cold in the CPU's cache), batches go to and come from the central
 * cache as runs of the array, and a write to a freed block cannot damage
 * the cache.
 *
 * <h2>The fast path and the byte budget</h2>
 * A pop touches the class's stack and length; a push touches the stack and
 * the length and limit. Neither counts
 * bytes nor reads the cache's share of the budget ({@link #maxSize}, volatile):
 * the byte budget is kept through the length limits instead. {@link #capacity}
 * is {@code sum(lists[(cl << 2) + MAX_LENGTH] * size[cl])}, and since no list is ever longer
 * than its limit after a call returns, the cache never holds more than
 * {@code capacity} bytes. Only the slow paths ({@link #refill}, a push past a
 * limit in {@link #overflow}) change limits, and they raise one only when
 * {@code capacity} stays within {@code maxSize}, first asking the budget for a
 * larger share and then scavenging idle lists. The one overshoot: a thread
 * stealing from this cache lowers {@code maxSize} at once, and this cache
 * brings {@code capacity} back under it at its owner's next slow path; until
 * then it may hold up to the stolen amount ({@code steal_amount} per steal)
 * over its share. Limits start at 0: a class this thread never allocated
 * holds no share of the budget.
 *
 * <h2>Misuse</h2>
 * Nothing a program writes to freed blocks reaches the stacks, so a pop
 * needs no check. A push of the block already on top of its stack (the
 * commonest double free) throws {@link IllegalArgumentException}; element 0
 * of every array is 0, so a pop that takes the last block below the top
 * leaves 0, an empty stack, with no branch.
 *
 * <p>SYNCHRONIZATION: every field but {@link #maxSize} and {@link #retired}
 * belongs to the owner thread, which alone touches it, without locks or
 * atomics. After the owner has died (seen through {@link Thread#isAlive()},
 * which happens-after its last action, or through its handle becoming
 * unreachable) the {@link ThreadCacheBudget} may flush it under its lock.
 * {@link #maxSize} is written under the budget's lock, by the owner or by a
 * thread stealing from it, and read by the owner's slow paths. When the
 * allocator closes, the closing thread empties the cache ({@link #forget()});
 * the owner's later calls happen after the close, as
 * {@code Allocator.close()} requires.
 *
 * <p>INVARIANTS (while the owner is alive, between its calls):
 * {@code tops[cl]} and {@code stacks[cl][1 .. lists[(cl << 2) + LENGTH]]}
 * are blocks of class {@code cl}, the array part empty when the top is 0;
 * {@code stacks[cl][0] == 0}; {@code length(cl)} counts both;
 * {@code 0 <= length(cl) <= maxLength(cl) <= max(maxFreeListLength, batch[cl])};
 * {@code stacks[cl].length >= maxLength(cl) + 2};
 * {@code capacity == sum(maxLength(cl) * size[cl])}.
 */
final class ThreadCache implements FrontEnd.Cache {

    // Hot fields, read on every call.
    /** Per class, the stack: element 0 is 0, the blocks are at 1 .. length, the top last. */
    final long[][] stacks;
    /** Per class, the top of the stack, 0 when it is empty. */
    final long[] tops;
    /**
     * Per class, four ints side by side so that one array (one reference, one
     * bounds check, one cache line for up to four classes) serves the fast
     * path: {@code [cl * 4 + LENGTH]}, {@code [cl * 4 + MAX_LENGTH]} and
     * {@code [cl * 4 + MISSES]}, the refills since the last scavenge (the
     * fourth is unused).
     */
    private final int[] lists;
    private static final int LENGTH = 0;
    private static final int MISSES = 1;
    private static final int MAX_LENGTH = 2;

    /**
     * The owner's thread id: the slot table's owner check. Changed only when a
     * new thread adopts the cache of a dead one ({@link #adopt}), under the
     * budget's lock; the new owner then reaches the cache through its
     * {@code ThreadLocal} and the slot's compare-and-set, which publish it.
     */
    long ownerId;

    /** Bytes the lists may hold at their current limits: {@code sum(lists[(cl << 2) + MAX_LENGTH] * size[cl])}. */
    private long capacity;
    /** The share of the budget this cache may hold; see the class comment. */
    volatile long maxSize;

    // Slow-path state.
    private final int[] classSize;
    private final int[] overages;
    private final int[] batch;
    private final int maxFreeListLength;
    private final int maxOverages;
    private final CentralCache central;
    /** The heap's index, for the invariant checks. */
    private final HeapIndex index;
    private final ThreadCacheBudget budget;
    /** Counters {@code [cl * 4 + kind]} when stats are on, else null. */
    final long[] counters;

    /** The owner, to tell when it has died; see {@link #ownerId}. */
    WeakReference<Thread> owner;
    /** Set once the cache has been given back (owner dead, or allocator closed); guarded by the budget's lock. */
    volatile boolean retired;

    /** {@link #scavengeRequest}: nothing asked. */
    static final int NO_REQUEST = 0;
    /** {@link #scavengeRequest}: give back half of each idle list at the next slow path. */
    static final int SCAVENGE_IDLE = 1;
    /** {@link #scavengeRequest}: give back everything at the next slow path. */
    static final int FLUSH_ALL = 2;
    /**
     * What the background release asked of this cache: another thread may not
     * touch the lists, so it asks, and the owner does it at its next slow path
     * ({@link #refill}, {@link #overflow}), never on the fast path. Written by
     * the release thread, cleared by the owner.
     */
    volatile int scavengeRequest;

    ThreadCache(Config config, CentralCache central, ThreadCacheBudget budget, Thread owner) {
        SizeClasses classes = central.sizeClasses();
        int n = classes.count() + 1;
        this.stacks = new long[n][];
        this.tops = new long[n];
        this.lists = new int[n * 4];
        this.classSize = new int[n];
        this.overages = new int[n];
        this.batch = new int[n];
        for (int cl = 1; cl < n; cl++) {
            classSize[cl] = classes.size(cl);
            batch[cl] = classes.batchSize(cl);
            stacks[cl] = new long[2];
        }
        this.maxFreeListLength = config.maxFreeListLength();
        this.maxOverages = config.maxOverages();
        this.central = central;
        this.index = central.pageHeap().index();
        this.budget = budget;
        this.counters = STATS ? new long[n * FrontEnd.COUNTERS] : null;
        this.owner = new WeakReference<>(owner);
        this.ownerId = owner.threadId();
    }

    /** Pops a block of class {@code cl}, refilling the stack when it is empty. */
    @Override
    public long allocate(int cl) {
        long b = tops[cl];
        if (b != 0) {
            int k = cl << 2;
            int n = lists[k + LENGTH];
            tops[cl] = stacks[cl][n]; // element 0 is 0: the stack empties
            if (n > 0) {
                lists[k + LENGTH] = n - 1;
            }
            if (STATS) { // static final: off, the JIT drops the block
                counters[cl * FrontEnd.COUNTERS + FrontEnd.HITS]++;
            }
            return b;
        }
        return refill(cl);
    }

    /** Puts the top into the array (slow paths work on the array alone); the caller owns the cache. */
    private void spillTop(int cl) {
        long t = tops[cl];
        if (t != 0) {
            int k = cl << 2;
            int n = lists[k + LENGTH] + 1;
            stacks[cl][n] = t;
            lists[k + LENGTH] = n;
            tops[cl] = 0;
        }
    }

    /** Takes the array's last block out as the top, when there is no top; the inverse of {@link #spillTop}. */
    private void restoreTop(int cl) {
        int k = cl << 2;
        int n = lists[k + LENGTH];
        if (tops[cl] == 0 && n > 0) {
            tops[cl] = stacks[cl][n];
            lists[k + LENGTH] = n - 1;
        }
    }

    /**
     * Pushes a block of class {@code cl}; past the stack's limit, {@link #overflow}
     * gives a batch back. The caller validated the block; a block that is
     * already on top is a double free.
     */
    @Override
    public void free(int cl, long block) {
        long h = tops[cl];
        if (h == block) {
            throw FrontEnd.doubleFree(block, cl);
        }
        tops[cl] = block;
        int k = cl << 2;
        int n = lists[k + LENGTH];
        if (h != 0) {
            stacks[cl][++n] = h;
            lists[k + LENGTH] = n;
        }
        if (n + 1 > lists[k + MAX_LENGTH]) {
            spillTop(cl);
            overflow(cl);
            restoreTop(cl);
        }
    }

    /**
     * The list of {@code cl} is empty: let its limit grow (slow start: by one
     * up to a batch, then by a batch up to {@code max_free_list_length}) as
     * far as the budget allows, fetch up to a batch (at most the limit, at
     * least one block) and return one.
     */
    private long refill(int cl) {
        long b = refill0(cl);
        restoreTop(cl);
        return b;
    }

    private long refill0(int cl) {
        if (scavengeRequest != NO_REQUEST) {
            serveRequest(cl);
        }
        int b = batch[cl];
        int max = lists[(cl << 2) + MAX_LENGTH];
        growLimit(cl, max < b ? max + 1 : Math.min(max + b, Math.max(maxFreeListLength, b)));
        int n = Math.max(1, Math.min(lists[(cl << 2) + MAX_LENGTH], b)); // keeps n - 1 <= the limit
        overages[cl] = 0; // a miss ends a run of overflows
        long[] stack = stacks[cl]; // room for limit + 2 >= n + 1 (n is 1 when the limit is 0)
        central.removeBatch(cl, stack, 1, n);
        lists[(cl << 2) + LENGTH] = n - 1;
        lists[(cl << 2) + MISSES]++;
        if (STATS) {
            counters[cl * FrontEnd.COUNTERS + FrontEnd.MISSES]++;
            counters[cl * FrontEnd.COUNTERS + FrontEnd.REFILLS]++;
        }
        return stack[n];
    }

    /**
     * A push made the list of {@code cl} longer than its limit: give a batch
     * back (or the whole list when shorter); grow the limit while it is under
     * a batch, and shrink it by a batch after {@code max_overages} overflows
     * in a row.
     */
    private void overflow(int cl) {
        spillTop(cl);
        if (scavengeRequest != NO_REQUEST) {
            serveRequest(cl);
        }
        int b = batch[cl];
        // The blocks below the top: the block just pushed stays on top, so that freeing it
        // again at once is still caught as a double free.
        int len = lists[(cl << 2) + LENGTH];
        if (len == 1) {
            // A limit of 0 (no block of the class kept): the block goes on to the central tier
            // as a single free, which refuses it when it is already the last block given back
            // there (freed twice, the first time straight through this empty list, the second
            // after the budget made room). Then, when the budget has room for one, the list
            // takes the top block back (this one, unless another thread gave one since), so
            // that freeing it again at once is caught on top.
            long block = stacks[cl][1];
            lists[(cl << 2) + LENGTH] = 0;
            if (STATS) {
                counters[cl * FrontEnd.COUNTERS + FrontEnd.FLUSHES]++;
            }
            central.free(cl, block);
            growLimit(cl, 1);
            if (lists[(cl << 2) + MAX_LENGTH] >= 1) {
                try {
                    central.removeBatch(cl, stacks[cl], 1, 1);
                    lists[(cl << 2) + LENGTH] = 1;
                } catch (OutOfMemoryError full) {
                    // Another thread took the block and the central tier would have to grow:
                    // the list stays empty, and the free, which has done its part, succeeds.
                }
            }
            return;
        }
        releaseBelowTop(cl, Math.min(b, len - 1));
        int max = lists[(cl << 2) + MAX_LENGTH];
        if (max < b) {
            growLimit(cl, max + 1);
        } else if (max > b && ++overages[cl] >= maxOverages) {
            setLimit(cl, max - b);
            overages[cl] = 0;
        } else if (capacity > maxSize) {
            shrinkToShare(cl);
        }
    }

    /**
     * Raises the limit of {@code cl} towards {@code wanted} as far as the
     * cache's share allows: when the capacity would go over it, asks the
     * budget for more, then scavenges the other lists; grows only by what
     * then fits. Also brings an overshoot left by a steal back under the share.
     */
    private void growLimit(int cl, int wanted) {
        int max = lists[(cl << 2) + MAX_LENGTH];
        long need = (long) (wanted - max) * classSize[cl];
        if (capacity + need > maxSize) {
            budget.grow(this);
            if (capacity + need > maxSize) {
                scavenge(cl);
            }
            long room = maxSize - capacity;
            if (room < need) {
                wanted = max + (int) Math.max(0, room / classSize[cl]);
            }
        }
        if (wanted > max) {
            setLimit(cl, wanted);
        }
        if (capacity > maxSize) {
            shrinkToShare(cl);
        }
    }

    /**
     * Sets the limit of {@code cl}, giving back what the stack holds beyond
     * it, and keeps {@link #capacity}; the array grows to hold the limit + 2
     * (doubling), and shrinks when it is over four times that.
     */
    private void setLimit(int cl, int max) {
        capacity += (long) (max - lists[(cl << 2) + MAX_LENGTH]) * classSize[cl];
        lists[(cl << 2) + MAX_LENGTH] = max;
        int excess = length(cl) - max;
        if (excess > 0) {
            if (max > 0) {
                releaseBelowTop(cl, excess); // the top stays when it may (see overflow)
            } else {
                release(cl, excess);
            }
        }
        long[] stack = stacks[cl];
        if (stack.length < max + 2) {
            int most = Math.max(maxFreeListLength, batch[cl]) + 2;
            stacks[cl] = Arrays.copyOf(stack, Math.max(max + 2, Math.min(most, stack.length * 2)));
        } else if (stack.length > 4 * (max + 2) && stack.length > 64) {
            stacks[cl] = Arrays.copyOf(stack, max + 2);
        }
    }

    /**
     * The cache is short of room: give back half of each other list that had
     * no miss since the last scavenge (its blocks sat there unused) and cut
     * its limit by a batch, never under its length; also cut by a batch the
     * limits of empty lists, which hold room but no blocks (an active one
     * grows back at its next refill). tcmalloc uses each list's low-water
     * mark for the first part; a miss count kept by the refill costs the
     * fast path nothing, where a low-water mark costs a load, a compare and
     * a store on every pop.
     */
    void scavenge(int except) {
        for (int cl = 1; cl < stacks.length; cl++) {
            if (cl == except) {
                continue;
            }
            int k = cl << 2;
            int len = length(cl);
            boolean idle = lists[k + MISSES] == 0;
            if (idle && len > 0) {
                release(cl, Math.max(1, len >>> 1));
            }
            int max = lists[k + MAX_LENGTH];
            if (max > 0 && (idle || length(cl) == 0)) {
                setLimit(cl, Math.max(length(cl), max - Math.min(batch[cl], max)));
            }
            lists[k + MISSES] = 0;
        }
    }

    /** The share shrank under the capacity (a steal): cut limits, largest bytes first, until it fits. */
    private void shrinkToShare(int keep) {
        long share = maxSize;
        for (int cl = stacks.length - 1; cl >= 1 && capacity > share; cl--) {
            int max = lists[(cl << 2) + MAX_LENGTH];
            if (max == 0 || cl == keep) {
                continue;
            }
            long over = capacity - share;
            int cut = (int) Math.min(max, (over + classSize[cl] - 1) / classSize[cl]);
            setLimit(cl, max - cut);
        }
        if (capacity > share && lists[(keep << 2) + MAX_LENGTH] > 1) {
            // Down to one block, not none: the block the owner just pushed stays at the head, so
            // that freeing it again at once is caught. The share is then exceeded by one block at most.
            long over = capacity - share;
            int cut = (int) Math.min(lists[(keep << 2) + MAX_LENGTH] - 1,
                    (over + classSize[keep] - 1) / classSize[keep]);
            setLimit(keep, lists[(keep << 2) + MAX_LENGTH] - cut);
        }
    }

    /** Does what the background release asked ({@link #scavengeRequest}); on the owner's slow path. */
    private void serveRequest(int cl) {
        int request = scavengeRequest;
        scavengeRequest = NO_REQUEST;
        if (request == FLUSH_ALL) {
            for (int c = 1; c < stacks.length; c++) {
                if (c == cl) {
                    releaseBelowTop(c, length(c) - 1); // the block just pushed stays
                } else {
                    release(c, length(c));
                }
            }
        } else {
            scavenge(cl);
        }
    }

    /** Gives the top {@code n} blocks of stack {@code cl} to the central cache. */
    private void release(int cl, int n) {
        if (n > 0) {
            spillTop(cl);
            int len = lists[(cl << 2) + LENGTH];
            lists[(cl << 2) + LENGTH] = len - n;
            try {
                giveBack(cl, len - n + 1, n);
            } finally {
                restoreTop(cl);
            }
        }
    }

    /**
     * Gives the {@code n} blocks ({@code < length}) just below the top of
     * stack {@code cl} to the central cache; the top stays, moved down.
     */
    private void releaseBelowTop(int cl, int n) {
        if (n > 0) {
            spillTop(cl);
            long[] stack = stacks[cl];
            int len = lists[(cl << 2) + LENGTH];
            int from = len - n;
            long top = stack[len];
            lists[(cl << 2) + LENGTH] = from;
            try {
                giveBack(cl, from, n);
            } finally {
                stack[from] = top;
                restoreTop(cl);
            }
        }
    }

    /** Gives {@code stacks[cl][from .. from+n)}, already counted off the stack, to the central cache. */
    private void giveBack(int cl, int from, int n) {
        if (STATS) {
            counters[cl * FrontEnd.COUNTERS + FrontEnd.FLUSHES]++;
        }
        central.insertBatch(cl, stacks[cl], from, n);
    }

    /** Gives every block back (the owner calls it, or the budget once the owner is dead). */
    void flushAll() {
        for (int cl = 1; cl < stacks.length; cl++) {
            spillTop(cl);
            release(cl, length(cl));
        }
    }

    /**
     * Drops every block without reading or writing it (their memory is about
     * to be unmapped): afterwards the next allocation refills from the central
     * cache. Called by the budget when the allocator closes.
     */
    void forget() {
        java.util.Arrays.fill(tops, 0);
        for (int cl = 1; cl < stacks.length; cl++) {
            lists[(cl << 2) + LENGTH] = 0;
        }
    }

    /** The bytes the lists hold (exact for the owner; a racy snapshot for other threads). */
    long bytes() {
        long sum = 0;
        for (int cl = 1; cl < stacks.length; cl++) {
            sum += (long) length(cl) * classSize[cl];
        }
        return sum;
    }

    /** The bytes the lists may hold at their current limits. */
    long capacity() {
        return capacity;
    }

    /**
     * Makes {@code thread} the owner of this cache, whose owner has died: the
     * lists, their limits and the share stay, so a thread that follows a
     * short-lived one starts warm. The budget calls it under its lock, after
     * taking the cache out of the dead owner's slot.
     */
    void adopt(Thread thread) {
        owner = new WeakReference<>(thread);
        ownerId = thread.threadId();
    }

    /** The length of list {@code cl} (a racy read from other threads). */
    int length(int cl) {
        return lists[(cl << 2) + LENGTH] + (tops[cl] != 0 ? 1 : 0);
    }

    int maxLength(int cl) {
        return lists[(cl << 2) + MAX_LENGTH];
    }

    /** Checks the invariants of the stacks; the caller is the owner or the owner is dead. */
    void checkInvariants() {
        long cap = 0;
        for (int cl = 1; cl < stacks.length; cl++) {
            long[] stack = stacks[cl];
            int len = lists[(cl << 2) + LENGTH];
            int max = lists[(cl << 2) + MAX_LENGTH];
            long top = tops[cl];
            if (len < 0 || length(cl) > max || max > Math.max(maxFreeListLength, batch[cl]) || stack.length < max + 2
                    || stack[0] != 0 || (top == 0 && len != 0)) {
                throw new IllegalStateException("stack " + cl + ": length " + len + " below the top 0x"
                        + Long.toHexString(top) + ", limit " + max + ", array of " + stack.length + ", element 0 0x"
                        + Long.toHexString(stack[0]));
            }
            if (top != 0 && (!index.contains(top) || index.sizeClassOf(top) != cl)) {
                throw new IllegalStateException("stack " + cl + " has 0x" + Long.toHexString(top)
                        + " on top, not a block of its class in the heap");
            }
            for (int i = 1; i <= len; i++) {
                if (!index.contains(stack[i]) || index.sizeClassOf(stack[i]) != cl) {
                    throw new IllegalStateException("stack " + cl + " holds 0x" + Long.toHexString(stack[i])
                            + ", not a block of its class in the heap");
                }
            }
            cap += (long) max * classSize[cl];
        }
        if (cap != capacity) {
            throw new IllegalStateException("limits allow " + cap + " bytes, counted " + capacity);
        }
    }
}
