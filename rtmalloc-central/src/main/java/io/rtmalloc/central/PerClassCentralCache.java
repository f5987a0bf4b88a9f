package io.rtmalloc.central;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralClassStats;
import io.rtmalloc.spi.PageHeap;

import java.util.HashSet;
import java.util.Set;

/**
 * The central cache: one {@link TransferCache} and one {@link CentralFreeList}
 * per size class, each with its own lock. {@link #close()} closes the transfer
 * caches, through which every operation goes.
 */
final class PerClassCentralCache implements CentralCache {

    private final SizeClasses classes;
    private final PageHeap heap;
    private final TransferCache[] transfer;
    private final CentralFreeList[] lists;

    PerClassCentralCache(Config config, PageHeap heap) {
        this.classes = config.sizeClasses();
        this.heap = heap;
        if (classes.pageSize() != heap.pageSize()) {
            throw new IllegalArgumentException("page heap page size " + heap.pageSize()
                    + " differs from the configuration's " + classes.pageSize());
        }
        int n = classes.count();
        this.transfer = new TransferCache[n + 1];
        this.lists = new CentralFreeList[n + 1];
        for (int cl = 1; cl <= n; cl++) {
            lists[cl] = new CentralFreeList(cl, classes.size(cl), classes.pages(cl), classes.objectsPerSpan(cl), heap);
            transfer[cl] = new TransferCache(classes.batchSize(cl), config.maxTransferSlots(), lists[cl]);
        }
    }

    @Override
    public void spinWhenHeld(boolean spin) {
        for (int cl = 1; cl < transfer.length; cl++) {
            transfer[cl].spinWhenHeld(spin);
        }
    }

    /** The tries a platform thread makes before it parks on the lock of class {@code sizeClass}. */
    int spins(int sizeClass) {
        return transfer[sizeClass].spins();
    }

    @Override
    public SizeClasses sizeClasses() {
        return classes;
    }

    @Override
    public PageHeap pageHeap() {
        return heap;
    }

    @Override
    public long allocate(int sizeClass) {
        return transfer[sizeClass].allocate();
    }

    /** Checks that the address is a block boundary of its class (see {@link CentralFreeList#checkBlock}). */
    @Override
    public void free(int sizeClass, long address) {
        lists[sizeClass].checkBlock(address);
        transfer[sizeClass].free(address);
    }

    @Override
    public long removeRange(int sizeClass, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be > 0: " + count);
        }
        return transfer[sizeClass].removeRange(count);
    }

    @Override
    public void insertRange(int sizeClass, long head, int count) {
        if (count > 0) {
            transfer[sizeClass].insertRange(head, count);
        }
    }

    @Override
    public void removeBatch(int sizeClass, long[] dst, int from, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be > 0: " + count);
        }
        transfer[sizeClass].removeBatch(dst, from, count);
    }

    @Override
    public void insertBatch(int sizeClass, long[] src, int from, int count) {
        if (count > 0) {
            transfer[sizeClass].insertBatch(src, from, count);
        }
    }

    @Override
    public CentralClassStats[] classStats() {
        CentralClassStats[] out = new CentralClassStats[classes.count() + 1];
        out[0] = new CentralClassStats(0, 0, 0, 0);
        for (int cl = 1; cl <= classes.count(); cl++) {
            transfer[cl].lock(); // which guards the list too
            try {
                CentralFreeList list = lists[cl];
                long spans = list.spans();
                long out_ = list.handedOut();
                out[cl] = new CentralClassStats(spans, out_, transfer[cl].used(),
                        spans * classes.objectsPerSpan(cl) - out_);
            } finally {
                transfer[cl].unlock();
            }
        }
        return out;
    }

    @Override
    public void drainTransferCaches() {
        for (int cl = 1; cl <= classes.count(); cl++) {
            transfer[cl].drain();
        }
    }

    @Override
    public void scavenge(boolean all) {
        for (int cl = 1; cl <= classes.count(); cl++) {
            transfer[cl].scavenge(all);
        }
    }

    @Override
    public void checkInvariants() {
        for (int cl = 1; cl <= classes.count(); cl++) {
            transfer[cl].lock();
            try {
                Set<Long> seen = new HashSet<>();
                transfer[cl].collect(seen);
                lists[cl].checkInvariants(seen);
            } finally {
                transfer[cl].unlock();
            }
        }
    }

    @Override
    public void close() {
        for (int cl = 1; cl <= classes.count(); cl++) {
            transfer[cl].close();
        }
    }

    @Override
    public String toString() {
        return "PerClassCentralCache[" + classes.count() + " classes over " + heap + "]";
    }
}
