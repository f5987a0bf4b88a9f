package io.rtmalloc.percpu;

import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.spi.HeapIndex;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static io.rtmalloc.spi.Switches.STATS;

/** Padding before the owner word, so that no two CPUs' owner words share a cache line. */
abstract class CpuCachePadBefore {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The owner word: 0 free, 1 taken. */
abstract class CpuCacheOwner extends CpuCachePadBefore {
    volatile int owner;
}

/** Padding after the owner word. */
abstract class CpuCachePadAfter extends CpuCacheOwner {
    long q01, q02, q03, q04, q05, q06, q07, q08;
}

/**
 * The cache of one logical CPU: per size class an intrusive free list of at
 * most {@code capacity[cl]} blocks.
 *
 * <p>SYNCHRONIZATION: the lists and counters are touched only by the thread
 * that holds the owner word, won with a CAS ({@link #tryAcquire()}) and
 * released with a release store ({@link #release()}), so their writes
 * happen-before the next owner's reads. A thread that loses the CAS (the owner
 * was preempted, or another thread on the same CPU number got there first)
 * does not spin: it goes to the transfer cache. A drain by another thread
 * (release of free memory, invariant checks) takes the same word.
 *
 * <p>MISUSE: as a thread's cache does (see {@code ThreadCache}), a pop takes a
 * head only when the page heap's range holds it, a damaged list is dropped
 * with {@link IllegalStateException}, a push of the block at the head of its
 * list is a double free, and every link walked is checked.
 *
 * <p>INVARIANTS (while not owned): {@code lengths[cl]} is the length of the
 * list at {@code heads[cl]} and at most {@code capacity[cl]}, so the cache
 * holds at most {@code sum(capacity[cl] * size[cl])} bytes, which the
 * allocator keeps within {@code per_cpu_cache_size}.
 */
final class CpuCache extends CpuCachePadAfter {

    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(CpuCacheOwner.class, "owner", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long[] heads;
    final int[] lengths;
    /** Per class, refills since the last scavenge: a list with none served every call from its blocks. */
    final int[] misses;
    /** Counters {@code [cl * 4 + kind]} (hits, misses, refills, flushes) when stats are on. */
    final long[] counters;
    /** The page heap, to name the error of a damaged list. */
    private final PageHeap heap;
    /** The range check of every head popped ({@link HeapIndex#contains}). */
    private final HeapIndex index;

    CpuCache(int classes, boolean stats, PageHeap heap) {
        this.heap = heap;
        this.index = heap.index();
        heads = new long[classes + 1];
        lengths = new int[classes + 1];
        misses = new int[classes + 1];
        counters = stats ? new long[(classes + 1) * 4] : null;
    }

    boolean tryAcquire() {
        return OWNER.compareAndSet(this, 0, 1);
    }

    void release() {
        OWNER.setRelease(this, 0);
    }

    /** Pops a block; the caller owns the cache and has checked the class is cached. */
    long allocate(int cl, int batch, int capacity, CentralCache central) {
        long head = heads[cl];
        if (index.contains(head)) {
            heads[cl] = NativeMemory.getLong(head);
            lengths[cl]--;
            if (STATS) {
                counters[cl << 2]++;
            }
            return head;
        }
        if (head != 0) {
            throw damaged(cl, head);
        }
        return refill(cl, batch, capacity, central);
    }

    /** A head outside the heap: drops the list (its blocks are lost) and answers the error to throw. */
    private RuntimeException damaged(int cl, long head) {
        heads[cl] = 0;
        lengths[cl] = 0;
        return FrontEnd.damagedList(heap, cl, head);
    }

    /** The list is empty: takes up to a batch (at most the capacity) and returns one block. */
    private long refill(int cl, int batch, int capacity, CentralCache central) {
        int n = Math.min(batch, capacity);
        long head = central.removeRange(cl, n);
        heads[cl] = NativeMemory.getLong(head);
        lengths[cl] = n - 1;
        misses[cl]++;
        if (STATS) {
            counters[(cl << 2) + 1]++;
            counters[(cl << 2) + 2]++;
        }
        return head;
    }

    /** Pushes a block; the caller owns the cache. A full list first gives a batch back. */
    void free(int cl, long block, int batch, int capacity, CentralCache central) {
        if (lengths[cl] >= capacity) {
            release(cl, Math.min(batch, lengths[cl]), central);
        }
        long head = heads[cl];
        if (block == head) {
            throw FrontEnd.doubleFree(block, cl);
        }
        NativeMemory.putLong(block, head);
        heads[cl] = block;
        lengths[cl]++;
    }

    /** Gives the first {@code n} blocks of list {@code cl} back as one chain; the caller owns the cache. */
    void release(int cl, int n, CentralCache central) {
        if (n <= 0) {
            return;
        }
        long head = heads[cl];
        long last = head;
        for (int i = 0; i < n; i++) {
            if (!index.contains(last)) {
                throw damaged(cl, last);
            }
            if (i + 1 < n) {
                last = NativeMemory.getLong(last);
            }
        }
        heads[cl] = NativeMemory.getLong(last);
        lengths[cl] -= n;
        if (STATS) {
            counters[(cl << 2) + 3]++;
        }
        central.insertRange(cl, head, n);
    }

    /** Drops every block without reading or writing it (the allocator is closing); the caller owns the cache. */
    void forget() {
        java.util.Arrays.fill(heads, 0);
        java.util.Arrays.fill(lengths, 0);
    }

    /**
     * Gives back half of each list that had no refill since the last scavenge
     * (its blocks sat there unused), as tcmalloc scavenges a thread cache; the
     * caller owns the cache.
     */
    void scavenge(CentralCache central) {
        for (int cl = 1; cl < heads.length; cl++) {
            if (misses[cl] == 0 && lengths[cl] > 0) {
                release(cl, Math.max(1, lengths[cl] >>> 1), central);
            }
            misses[cl] = 0;
        }
    }

    /** Gives every block back; the caller owns the cache. */
    void flushAll(CentralCache central) {
        for (int cl = 1; cl < heads.length; cl++) {
            release(cl, lengths[cl], central);
        }
    }

    /**
     * Takes the owner word for a maintenance task, yielding while it is taken
     * (owners hold it for a few instructions, or one refill or flush).
     */
    void acquireForMaintenance() {
        while (!tryAcquire()) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Checks the lists; the caller owns the cache. */
    void checkInvariants(int[] capacity) {
        for (int cl = 1; cl < heads.length; cl++) {
            int len = 0;
            for (long b = heads[cl]; b != 0; b = NativeMemory.getLong(b)) {
                if (!index.contains(b)) {
                    throw new IllegalStateException("CPU list " + cl + " links to 0x" + Long.toHexString(b)
                            + ", outside the heap");
                }
                if (++len > lengths[cl]) {
                    throw new IllegalStateException("CPU list " + cl + " longer than its count " + lengths[cl]);
                }
            }
            if (len != lengths[cl] || len > Math.max(capacity[cl], 0)) {
                throw new IllegalStateException("CPU list " + cl + ": " + len + " blocks, counted " + lengths[cl]
                        + ", capacity " + capacity[cl]);
            }
        }
    }
}
