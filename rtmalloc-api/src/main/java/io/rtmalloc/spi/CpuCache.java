package io.rtmalloc.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import static io.rtmalloc.spi.Switches.STATS;

/** Padding before the owner word, so that no two CPUs' owner words share a cache line. */
abstract class CpuCachePadBefore {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/**
 * The owner word: 0 free, 1 taken. A long, not an int: the JVM fills a 4-byte
 * hole left by the superclasses (right after the object header) with a field
 * of a subclass, and an int owner word landed there, sharing its cache line
 * with the header and with the fields of whatever object lies before it,
 * another CPU's cache among them. A long cannot fill that hole, so it lies
 * after the padding before it, and only padding shares its line.
 */
abstract class CpuCacheOwner extends CpuCachePadBefore {
    volatile long owner;
}

/** Padding after the owner word. */
abstract class CpuCachePadAfter extends CpuCacheOwner {
    long q01, q02, q03, q04, q05, q06, q07, q08;
}

/**
 * The cache of one logical CPU: per size class a stack of at most
 * {@code capacity[cl]} blocks held in a Java array, where the capacities share
 * one byte budget and move to the classes that miss ({@link #grow}).
 *
 * <p>The stacks are arrays, not lists linked through the blocks: a push or pop
 * touches no block (a block freed by another thread, or long ago, is cold in
 * the CPU's cache), batches move to and from the transfer cache as arrays,
 * and a write to a freed block cannot damage a stack.
 *
 * <p>SYNCHRONIZATION: the stacks, capacities and counters are touched only by
 * the thread that holds the owner word, won with a CAS ({@link #tryAcquire()})
 * and released with a release store ({@link #release()}), so their writes
 * happen-before the next owner's reads. The front end holds the word for a
 * pop, a push, or the copy of a batch, never across a call to the central
 * cache (whose locks may park a virtual thread): a thread that loses the CAS,
 * because the owner was preempted or another thread read the same CPU number,
 * goes to the central cache rather than spin, and that should be rare.
 * Maintenance (drain, scavenge, close, invariant checks) takes the same word,
 * and may hold it across central calls.
 *
 * <p>MISUSE: a push of the block on top of its stack is a double free. A
 * pop checks that the heap's range holds its block: it does, unless the
 * allocator has closed.
 *
 * <p>INVARIANTS (while not owned): {@code lengths[cl]} blocks of
 * {@code stacks[cl]} are held, at most {@code capacity[cl]}, which is at most
 * {@code maxCapacity[cl]} and the array's length; {@code capacityBytes} is the
 * sum of {@code capacity[cl] * size(cl)} and at most the budget. So a CPU's
 * cache never holds more than its budget, whatever the number of threads.
 */
final class CpuCache extends CpuCachePadAfter {

    private static final VarHandle OWNER;
    private static final long[] EMPTY = new long[0];

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(CpuCacheOwner.class, "owner", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Probes of {@link #steal} for capacity to take from other classes, per miss. */
    static final int STEAL_PROBES = 8;

    /** Per class, the blocks held: {@code stacks[cl][0 .. lengths[cl])}, the top last. */
    final long[][] stacks;
    final int[] lengths;
    /** Per class, the blocks the stack may hold now. */
    final int[] capacity;
    /** Per class, misses and overflows since the last scavenge: a stack with none was served by its blocks. */
    final int[] misses;
    /** The counters when stats are on, else null. */
    final CacheCounters counters;
    /** Bytes of all capacities: {@code sum(capacity[cl] * size[cl])}. */
    long capacityBytes;
    /** Where {@link #steal} looks next. */
    private int stealCursor = 1;
    /** The CPU whose cache this is. */
    final int cpu;

    private final long budget;
    private final int[] size;
    private final int[] maxCapacity;
    /** The heap's range: the check of a popped block, and of the invariants. */
    private final HeapIndex index;
    /** The page heap, to name the error of a pop after close. */
    private final PageHeap heap;

    /**
     * @param budget      bytes all capacities may add up to
     * @param size        block size per class (index 0 unused)
     * @param maxCapacity per class, the most blocks a stack may ever hold (0: the class is not cached)
     * @param cpu         the CPU whose cache this is
     */
    CpuCache(long budget, int[] size, int[] maxCapacity, boolean stats, PageHeap heap, int cpu) {
        this.cpu = cpu;
        this.budget = budget;
        this.size = size;
        this.maxCapacity = maxCapacity;
        this.index = heap.index();
        this.heap = heap;
        int n = size.length;
        stacks = new long[n][];
        Arrays.fill(stacks, EMPTY);
        lengths = new int[n];
        capacity = new int[n];
        misses = new int[n];
        counters = stats ? new CacheCounters(n) : null;
    }

    boolean tryAcquire() {
        return OWNER.compareAndSet(this, 0L, 1L);
    }

    void release() {
        OWNER.setRelease(this, 0L);
    }

    /**
     * Pops a block, or 0 when the stack is empty (a miss); the caller owns the
     * cache. A block outside the heap's range means the allocator closed: a
     * free that raced {@code close()} pushed it after the cache forgot its
     * blocks; the stack is dropped and the call refused.
     */
    long pop(int cl) {
        int n = lengths[cl] - 1;
        if (n < 0) {
            return 0;
        }
        long block = stacks[cl][n];
        if (!index.contains(block)) {
            lengths[cl] = 0;
            throw FrontEnd.damagedList(heap, cl, block);
        }
        lengths[cl] = n;
        if (STATS) {
            counters.hit(cl);
        }
        return block;
    }

    /**
     * The stack is empty: grows its capacity and answers how many blocks to
     * fetch (at most a batch, at least 1); the caller owns the cache and
     * fetches them after releasing it.
     */
    int miss(int cl, int batch) {
        misses[cl]++;
        if (STATS) {
            counters.missAndRefill(cl);
        }
        grow(cl, batch);
        return Math.max(1, Math.min(batch, capacity[cl] - lengths[cl]));
    }

    /**
     * Takes {@code src[from .. from+n)}, blocks fetched after a miss, when the
     * stack still has room for them, and answers whether it did (if not, the
     * caller gives them back). The caller owns the cache.
     */
    boolean fill(int cl, long[] src, int from, int n) {
        int len = lengths[cl];
        if (len + n > capacity[cl]) {
            return false;
        }
        System.arraycopy(src, from, stacks[cl], len, n);
        lengths[cl] = len + n;
        return true;
    }

    /** Pushes a block when the stack has room and answers true, else false; the caller owns the cache. */
    boolean push(int cl, long block) {
        int n = lengths[cl];
        long[] stack = stacks[cl];
        if (n > 0 && stack[n - 1] == block) {
            throw FrontEnd.doubleFree(block, cl);
        }
        if (n >= capacity[cl]) {
            return false;
        }
        stack[n] = block;
        lengths[cl] = n + 1;
        return true;
    }

    /**
     * The stack is full on a free: grows its capacity when the budget allows
     * (answers null, the caller pushes again; null too when the stack is
     * empty and cannot grow), else takes the top {@code min(batch, length)}
     * blocks off and answers them, for the caller to give to the central
     * cache after releasing the cache; the caller owns the cache.
     */
    long[] overflow(int cl, int batch) {
        misses[cl]++;
        if (grow(cl, batch) || lengths[cl] == 0) {
            return null;
        }
        return take(cl, Math.min(batch, lengths[cl]));
    }

    /** Takes the top {@code n} (at least 1) blocks off stack {@code cl} and answers them; the caller owns the cache. */
    long[] take(int cl, int n) {
        int len = lengths[cl] - n;
        long[] out = Arrays.copyOfRange(stacks[cl], len, len + n);
        lengths[cl] = len;
        if (STATS) {
            counters.flush(cl);
        }
        return out;
    }

    /**
     * Adds up to a batch of blocks to the capacity of class {@code cl}, from
     * the unclaimed budget, else from the unused capacity of other classes
     * ({@link #steal}); answers whether it grew. The caller owns the cache.
     */
    boolean grow(int cl, int batch) {
        int add = Math.min(batch, maxCapacity[cl] - capacity[cl]);
        if (add <= 0) {
            return false;
        }
        long bytes = (long) add * size[cl];
        if (capacityBytes + bytes > budget) {
            steal(cl, capacityBytes + bytes - budget);
            if (capacityBytes + bytes > budget) {
                add = (int) ((budget - capacityBytes) / size[cl]);
                if (add <= 0) {
                    return false;
                }
                bytes = (long) add * size[cl];
            }
        }
        int cap = capacity[cl] + add;
        if (stacks[cl].length < cap) {
            // Room for the capacity reached, doubled up to the most the class may hold.
            int length = Math.min(maxCapacity[cl], Math.max(cap, stacks[cl].length * 2));
            stacks[cl] = Arrays.copyOf(stacks[cl], length);
        }
        capacity[cl] = cap;
        capacityBytes += bytes;
        return true;
    }

    /**
     * Frees at least {@code need} bytes of capacity if it can, taking the
     * unused capacity (room no block fills) of other classes, at most
     * {@link #STEAL_PROBES} of them from a rotating cursor. Taking room no
     * block fills needs no block to move.
     */
    private void steal(int cl, long need) {
        int classes = stacks.length - 1;
        for (int probe = 0; probe < STEAL_PROBES && need > 0; probe++) {
            int v = stealCursor;
            stealCursor = v == classes ? 1 : v + 1;
            if (v == cl) {
                continue;
            }
            int spare = capacity[v] - lengths[v];
            if (spare <= 0) {
                continue;
            }
            int take = (int) Math.min(spare, (need + size[v] - 1) / size[v]);
            capacity[v] -= take;
            capacityBytes -= (long) take * size[v];
            need -= (long) take * size[v];
        }
    }

    /** Gives the top {@code n} blocks of stack {@code cl} back; the caller owns the cache (maintenance). */
    void release(int cl, int n, CentralCache central) {
        if (n <= 0) {
            return;
        }
        central.insertBatch(cl, take(cl, n), 0, n);
    }

    /** Drops every block (the allocator is closing); the caller owns the cache. */
    void forget() {
        Arrays.fill(lengths, 0);
    }

    /**
     * Gives back half of each stack that had no miss since the last scavenge
     * (its blocks sat there unused), as tcmalloc scavenges a thread cache, and
     * shrinks its capacity to what it still holds, so the budget goes to the
     * classes in use; the caller owns the cache.
     */
    void scavenge(CentralCache central) {
        for (int cl = 1; cl < stacks.length; cl++) {
            if (misses[cl] == 0) {
                if (lengths[cl] > 0) {
                    release(cl, Math.max(1, lengths[cl] >>> 1), central);
                }
                shrinkToLength(cl);
            }
            misses[cl] = 0;
        }
    }

    /** Gives every block back and every capacity up; the caller owns the cache. */
    void flushAll(CentralCache central) {
        for (int cl = 1; cl < stacks.length; cl++) {
            release(cl, lengths[cl], central);
            shrinkToLength(cl);
        }
    }

    /** The capacity of class {@code cl} drops to the blocks held, and an emptied class gives its array up. */
    private void shrinkToLength(int cl) {
        capacityBytes -= (long) (capacity[cl] - lengths[cl]) * size[cl];
        capacity[cl] = lengths[cl];
        if (lengths[cl] == 0) {
            stacks[cl] = EMPTY;
        }
    }

    /** Bytes held (racy read: a snapshot, exact when threads are quiet). */
    long bytes() {
        long bytes = 0;
        for (int cl = 1; cl < stacks.length; cl++) {
            bytes += (long) lengths[cl] * size[cl];
        }
        return bytes;
    }

    /**
     * Takes the owner word for a maintenance task, yielding while it is taken
     * (owners hold it for a few instructions, or one drain).
     */
    void acquireForMaintenance() {
        while (!tryAcquire()) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Checks the stacks, capacities and budget; the caller owns the cache. */
    void checkInvariants() {
        long bytes = 0;
        for (int cl = 1; cl < stacks.length; cl++) {
            int len = lengths[cl];
            if (len < 0 || len > capacity[cl] || capacity[cl] > maxCapacity[cl]
                    || capacity[cl] > stacks[cl].length) {
                throw new IllegalStateException("CPU stack " + cl + ": " + len + " blocks, capacity " + capacity[cl]
                        + ", at most " + maxCapacity[cl] + ", array of " + stacks[cl].length);
            }
            for (int i = 0; i < len; i++) {
                long b = stacks[cl][i];
                if (!index.contains(b) || index.sizeClassOf(b) != cl) {
                    throw new IllegalStateException("CPU stack " + cl + " holds 0x" + Long.toHexString(b)
                            + ", not a block of its class in the heap");
                }
            }
            bytes += (long) capacity[cl] * size[cl];
        }
        if (bytes != capacityBytes || bytes > budget) {
            throw new IllegalStateException("CPU cache capacities: " + bytes + " bytes, counted " + capacityBytes
                    + ", budget " + budget);
        }
    }
}
