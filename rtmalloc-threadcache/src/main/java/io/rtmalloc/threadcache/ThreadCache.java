package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CacheCounters;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FreeList;
import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.Span;

import java.lang.ref.WeakReference;
import java.util.Arrays;

import static io.rtmalloc.spi.Switches.STATS;

/**
 * One thread's cache: for each size class a {@link FreeList} of blocks,
 * with tcmalloc's adaptive length limits.
 *
 * <pre>
 *   heads[cl] -> block -> block -> ... -> block -> 0      lists[(cl << 2) + LENGTH] &lt;= lists[(cl << 2) + MAX_LENGTH] blocks
 *   stash[0 .. stashCount)                                 of class stashClass, counted in its LENGTH
 * </pre>
 *
 * <h2>The stash: a refill links no block</h2>
 * A refill takes its batch from the transfer cache as an array of addresses
 * into {@link #stash}, not as a chain, and links none of its blocks: while
 * the list of that class is empty, its pops take the stash's blocks
 * ({@link #refill}: a compare and an array read, which C2 inlines with the
 * pop; the trip to the central tier, {@link #refillFromCentral}, stays a
 * call). The blocks a thread takes from
 * the transfer cache were mostly freed by other threads, which wrote their
 * first words as they pushed them on their own lists; linking them again
 * took each block's cache line from the core that freed it, and the
 * transfer cache's unlock then waited for all of those writes. So a thread
 * that only allocates what another frees ({@code producer_consumer}) spent
 * about 40% of its time at that unlock. A thread's own frees still go on its
 * list, whose pops stay the fast path. Any other slow path first pushes the
 * stash's blocks on their class's list ({@link #unstash}), so that only
 * {@link #refill} and the invariant check see a stash.
 *
 * <h2>The fast path and the byte budget</h2>
 * A pop touches {@code heads[cl]} and the list's length; a push touches
 * {@code heads[cl]} and the list's length and limit. Neither counts
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
 * A pop takes a head only when the page heap's range holds it
 * ({@link HeapIndex#contains}: one unsigned compare, which also tells an empty
 * list, head 0, from a full one), so a next pointer damaged by a write to a
 * freed block is never followed outside the heap: the pop that meets it
 * drops the list and throws {@link IllegalStateException} naming the class.
 * A push of the block already at the head of its list (the commonest double
 * free) throws {@link IllegalArgumentException}. Walks of a list (giving
 * blocks back, invariant checks) check every link the same way.
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
 * {@code length(cl)} is the length of the list at {@code heads[cl]}, plus
 * {@code stashCount} when {@code cl == stashClass};
 * {@code 0 <= length(cl) <= maxLength(cl) <= max(maxFreeListLength, batch[cl])};
 * {@code capacity == sum(maxLength(cl) * size[cl])}.
 */
final class ThreadCache implements FrontEnd.Cache {

    // Hot fields, read on every call.
    final long[] heads;
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
    /**
     * The blocks of the last refill not yet handed out, of class
     * {@link #stashClass}, the next one last: see the class comment. As long
     * as the largest batch.
     */
    private final long[] stash;
    private int stashCount;
    private int stashClass;
    private final int maxFreeListLength;
    private final int maxOverages;
    private final CentralCache central;
    /** The page heap, to name the error of a damaged list. */
    private final PageHeap heap;
    /** The range check of every head popped ({@link HeapIndex#contains}). */
    private final HeapIndex index;
    private final ThreadCacheBudget budget;
    /** The counters when stats are on, else null. */
    final CacheCounters counters;

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
        this.heads = new long[n];
        this.lists = new int[n * 4];
        this.classSize = new int[n];
        this.overages = new int[n];
        this.batch = new int[n];
        int maxBatch = 1;
        for (int cl = 1; cl < n; cl++) {
            classSize[cl] = classes.size(cl);
            batch[cl] = classes.batchSize(cl);
            maxBatch = Math.max(maxBatch, batch[cl]);
        }
        this.stash = new long[maxBatch];
        this.maxFreeListLength = config.maxFreeListLength();
        this.maxOverages = config.maxOverages();
        this.central = central;
        this.heap = central.pageHeap();
        this.index = heap.index();
        this.budget = budget;
        this.counters = STATS ? new CacheCounters(n) : null;
        this.owner = new WeakReference<>(owner);
        this.ownerId = owner.threadId();
    }

    /**
     * Pops a block of class {@code cl}, refilling the list when it is empty
     * (head 0, outside the heap's range like any damaged head).
     */
    @Override
    public long allocate(int cl) {
        long head = heads[cl];
        if (index.contains(head)) {
            heads[cl] = FreeList.next(head);
            lists[(cl << 2) + LENGTH]--;
            if (STATS) { // static final: off, the JIT drops the block
                counters.hit(cl);
            }
            return head;
        }
        if (head != 0) {
            throw damaged(cl, head);
        }
        return refill(cl);
    }

    /**
     * Pushes a block of class {@code cl}; past the list's limit, {@link #overflow}
     * gives a batch back. The caller validated the block; a block that is
     * already the list's head is a double free.
     */
    @Override
    public void free(int cl, long block) {
        long head = heads[cl];
        if (block == head) {
            throw FrontEnd.doubleFree(block, cl);
        }
        heads[cl] = FreeList.push(head, block);
        int k = cl << 2;
        if (++lists[k + LENGTH] > lists[k + MAX_LENGTH]) {
            overflow(cl);
        }
    }

    /**
     * Bytes of blocks a class's first refill may take, a batch at most: 4 KiB.
     * tcmalloc's slow start (the limit grows by one block a miss up to a
     * batch) handed a thread its first blocks of a class one, two, three at a
     * time, in turn with every other thread warming up, so that the blocks two
     * threads then used for good shared cache lines, and a thread made a trip
     * to the central tier for every few blocks. A first refill of up to 4 KiB
     * gives each thread a run of its own; above 4 KiB of blocks the slow start
     * goes on, so that a thread that takes one large block holds no batch.
     */
    static final int FIRST_REFILL_BYTES = 4096;

    /**
     * The list of {@code cl} is empty: a block from the stash when it holds
     * that class's, else {@link #refillFromCentral}.
     */
    private long refill(int cl) {
        int n = stashCount;
        if (n > 0 && stashClass == cl) {
            stashCount = --n;
            lists[(cl << 2) + LENGTH]--;
            if (STATS) {
                counters.hit(cl);
            }
            return stash[n];
        }
        return refillFromCentral(cl);
    }

    /**
     * The list and the stash hold no block of {@code cl}: let its limit grow
     * (to {@link #FIRST_REFILL_BYTES} of blocks at the first miss, then by one
     * up to a batch, then by a batch up to {@code max_free_list_length}) as
     * far as the budget allows, fetch up to a batch (at most the limit, at
     * least one block) into the stash and return one.
     */
    private long refillFromCentral(int cl) {
        unstash();
        if (scavengeRequest != NO_REQUEST) {
            serveRequest(cl);
        }
        int b = batch[cl];
        int max = lists[(cl << 2) + MAX_LENGTH];
        int first = Math.min(b, Math.max(1, FIRST_REFILL_BYTES / classSize[cl]));
        growLimit(cl, max < first ? first : max < b ? max + 1 : Math.min(max + b, Math.max(maxFreeListLength, b)));
        int n = Math.max(1, Math.min(lists[(cl << 2) + MAX_LENGTH], b)); // keeps n - 1 <= the limit
        overages[cl] = 0; // a miss ends a run of overflows
        central.removeBatch(cl, stash, 0, n); // the newest last
        stashClass = cl;
        stashCount = n - 1;
        lists[(cl << 2) + LENGTH] = n - 1;
        lists[(cl << 2) + MISSES]++;
        if (STATS) {
            counters.missAndRefill(cl);
        }
        return stash[n - 1];
    }

    /**
     * Puts the stash's blocks on their class's list (they are counted in its
     * length already) and empties the stash: under the list's head, which
     * stays on top, so that a block just freed (an overflow's) is still
     * caught when freed again at once.
     */
    private void unstash() {
        int n = stashCount;
        if (n > 0) {
            stashCount = 0;
            int cl = stashClass;
            long head = heads[cl];
            if (index.contains(head)) {
                FreeList.link(head, FreeList.pushAll(FreeList.next(head), stash, 0, n));
            } else { // empty (0), or damaged: its next pop reports it
                heads[cl] = FreeList.pushAll(head, stash, 0, n);
            }
        }
    }

    /**
     * A push made the list of {@code cl} longer than its limit: give a batch
     * back (or the whole list when shorter); grow the limit while it is under
     * a batch, and shrink it by a batch after {@code max_overages} overflows
     * in a row.
     */
    private void overflow(int cl) {
        unstash();
        if (scavengeRequest != NO_REQUEST) {
            serveRequest(cl);
        }
        int b = batch[cl];
        // The blocks after the head: the block just pushed stays first, so that freeing it
        // again at once is still caught as a double free.
        int len = lists[(cl << 2) + LENGTH];
        if (len == 1) {
            // A limit of 0 (no block of the class kept): the block goes on to the central tier
            // as a single free, which refuses it when it is already the last block given back
            // there (freed twice, the first time straight through this empty list, the second
            // after the budget made room). Then, when the budget has room for one, the list
            // takes the top block back (this one, unless another thread gave one since), so
            // that freeing it again at once is caught at the head.
            long block = heads[cl];
            if (!index.contains(block)) { // a close racing this call emptied the list
                throw damaged(cl, block);
            }
            heads[cl] = 0;
            lists[(cl << 2) + LENGTH] = 0;
            if (STATS) {
                counters.flush(cl);
            }
            central.free(cl, block);
            growLimit(cl, 1);
            if (lists[(cl << 2) + MAX_LENGTH] >= 1) {
                try {
                    heads[cl] = central.removeRange(cl, 1);
                    lists[(cl << 2) + LENGTH] = 1;
                } catch (OutOfMemoryError full) {
                    // Another thread took the block and the central tier would have to grow:
                    // the list stays empty, and the free, which has done its part, succeeds.
                }
            }
            return;
        }
        releaseAfterHead(cl, Math.min(b, len - 1));
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

    /** Sets the limit of {@code cl}, giving back what the list holds beyond it, and keeps {@link #capacity}. */
    private void setLimit(int cl, int max) {
        capacity += (long) (max - lists[(cl << 2) + MAX_LENGTH]) * classSize[cl];
        lists[(cl << 2) + MAX_LENGTH] = max;
        int excess = lists[(cl << 2) + LENGTH] - max;
        if (excess > 0) {
            if (max > 0) {
                releaseAfterHead(cl, excess); // the head stays when it may (see overflow)
            } else {
                release(cl, excess);
            }
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
        unstash();
        for (int cl = 1; cl < heads.length; cl++) {
            if (cl == except) {
                continue;
            }
            int k = cl << 2;
            int len = lists[k + LENGTH];
            boolean idle = lists[k + MISSES] == 0;
            if (idle && len > 0) {
                release(cl, Math.max(1, len >>> 1));
            }
            int max = lists[k + MAX_LENGTH];
            if (max > 0 && (idle || lists[k + LENGTH] == 0)) {
                setLimit(cl, Math.max(lists[k + LENGTH], max - Math.min(batch[cl], max)));
            }
            lists[k + MISSES] = 0;
        }
    }

    /** The share shrank under the capacity (a steal): cut limits, largest bytes first, until it fits. */
    private void shrinkToShare(int keep) {
        long share = maxSize;
        for (int cl = heads.length - 1; cl >= 1 && capacity > share; cl--) {
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
            for (int c = 1; c < heads.length; c++) {
                if (c == cl) {
                    releaseAfterHead(c, lists[(c << 2) + LENGTH] - 1); // the block just pushed stays
                } else {
                    release(c, lists[(c << 2) + LENGTH]);
                }
            }
        } else {
            scavenge(cl);
        }
    }

    /**
     * A pop met a head outside the heap: the list was damaged (a write to a
     * freed block), or the allocator closed under a racing call. Drops the list
     * (its blocks are lost) and answers the error to throw.
     */
    private RuntimeException damaged(int cl, long head) {
        heads[cl] = 0;
        lists[(cl << 2) + LENGTH] = cl == stashClass ? stashCount : 0; // the stash is not lost
        return FrontEnd.damagedList(heap, cl, head);
    }

    /**
     * Gives the first {@code n} blocks of list {@code cl} to the transfer
     * cache, a batch (at most the stash's length) at a time, each copied into
     * the stash's array (empty on every slow path but a refill's) by a walk
     * that checks every link.
     */
    private void release(int cl, int n) {
        while (n > 0) {
            int m = Math.min(n, stash.length);
            heads[cl] = stashChain(cl, heads[cl], m);
            giveBack(cl, m);
            n -= m;
        }
    }

    /**
     * Gives the {@code n} blocks ({@code < length}) that follow the head of list
     * {@code cl} to the transfer cache, as {@link #release} does; the head stays.
     */
    private void releaseAfterHead(int cl, int n) {
        while (n > 0) {
            int m = Math.min(n, stash.length);
            long head = heads[cl];
            if (!index.contains(head)) { // a close racing this call may have emptied the list
                throw damaged(cl, head);
            }
            FreeList.link(head, stashChain(cl, FreeList.next(head), m));
            giveBack(cl, m);
            n -= m;
        }
    }

    /**
     * Copies the {@code m} blocks of list {@code cl} from {@code first} into
     * the stash's array, every link checked, and answers the block after them
     * (where the list goes on); a link outside the heap drops the list and
     * throws, as a pop that meets it does.
     */
    private long stashChain(int cl, long first, int m) {
        if (FreeList.copy(first, m, stash, 0, index) < m) {
            throw damaged(cl, FreeList.firstOutside(first, m, index));
        }
        return FreeList.next(stash[m - 1]);
    }

    /**
     * Counts off the {@code n} blocks in the stash's array, cut from list
     * {@code cl}, and gives them back: the transfer cache's lock is held for
     * an array copy, not for a walk of the chain.
     */
    private void giveBack(int cl, int n) {
        lists[(cl << 2) + LENGTH] -= n;
        if (STATS) {
            counters.flush(cl);
        }
        central.insertBatch(cl, stash, 0, n);
    }

    /** Gives every block back (the owner calls it, or the budget once the owner is dead). */
    void flushAll() {
        unstash();
        for (int cl = 1; cl < heads.length; cl++) {
            release(cl, lists[(cl << 2) + LENGTH]);
        }
    }

    /**
     * Drops every block without reading or writing it (their memory is about
     * to be unmapped): afterwards the next allocation refills from the central
     * cache. Called by the budget when the allocator closes.
     */
    void forget() {
        stashCount = 0;
        Arrays.fill(heads, 0);
        for (int cl = 1; cl < heads.length; cl++) {
            lists[(cl << 2) + LENGTH] = 0;
        }
    }

    /** The bytes the lists hold (exact for the owner; a racy snapshot for other threads). */
    long bytes() {
        long sum = 0;
        for (int cl = 1; cl < heads.length; cl++) {
            sum += (long) lists[(cl << 2) + LENGTH] * classSize[cl];
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
        return lists[(cl << 2) + LENGTH];
    }

    int maxLength(int cl) {
        return lists[(cl << 2) + MAX_LENGTH];
    }

    /**
     * Whether {@code b} is a carved block of class {@code cl}, for the
     * invariant check: the page map's test ({@link HeapIndex#blockClassOf}),
     * or, where it cannot tell (blocks above {@link HeapIndex#FAST_CHECK_MAX_SIZE},
     * whose page words hold no multiplier), the span's.
     */
    private boolean isBlockOf(int cl, long b) {
        if (index.blockClassOf(b) == cl) {
            return true;
        }
        Span span = heap.spanOf(b);
        if (span == null || span.state != Span.SMALL || span.sizeClass != cl || !span.contains(b, heap.pageShift())) {
            return false;
        }
        long off = b - span.start;
        return off % classSize[cl] == 0 && off / classSize[cl] < span.carved;
    }

    /** Checks the invariants of the lists; the caller is the owner or the owner is dead. */
    void checkInvariants() {
        long cap = 0;
        if (stashCount < 0 || stashCount > Math.min(stash.length, batch[stashClass])) {
            throw new IllegalStateException("stash of class " + stashClass + " holds " + stashCount + " blocks");
        }
        for (int i = 0; i < stashCount; i++) {
            if (!isBlockOf(stashClass, stash[i])) {
                throw new IllegalStateException("stash holds 0x" + Long.toHexString(stash[i])
                        + ", not a block of class " + stashClass);
            }
        }
        for (int cl = 1; cl < heads.length; cl++) {
            int len = cl == stashClass ? stashCount : 0;
            for (long b = heads[cl]; b != 0; b = FreeList.next(b)) {
                if (!index.contains(b)) {
                    throw new IllegalStateException("list " + cl + " links to 0x" + Long.toHexString(b)
                            + ", outside the heap");
                }
                if (++len > lists[(cl << 2) + LENGTH]) {
                    throw new IllegalStateException("list " + cl + " longer than its count " + lists[(cl << 2) + LENGTH]);
                }
            }
            if (len != lists[(cl << 2) + LENGTH]) {
                throw new IllegalStateException("list " + cl + " has " + len + " blocks, counted " + lists[(cl << 2) + LENGTH]);
            }
            int max = lists[(cl << 2) + MAX_LENGTH];
            if (len > max || max > Math.max(maxFreeListLength, batch[cl])) {
                throw new IllegalStateException("list " + cl + ": length " + len + ", limit " + max);
            }
            cap += (long) lists[(cl << 2) + MAX_LENGTH] * classSize[cl];
        }
        if (cap != capacity) {
            throw new IllegalStateException("limits allow " + cap + " bytes, counted " + capacity);
        }
    }
}
