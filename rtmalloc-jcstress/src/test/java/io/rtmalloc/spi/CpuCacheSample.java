package io.rtmalloc.spi;

import io.rtmalloc.jcstress.Blocks;
import io.rtmalloc.jcstress.ChainSink;
import io.rtmalloc.jcstress.Tiers;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The sample the {@code CpuCache} stress tests share: a cache of one CPU
 * holding blocks 2 -> 1 of one small class (of {@code count} blocks taken
 * from the shared central tier), a sink for what it gives back, and the
 * owner-word calls the actors make and the arbiter's reading of the stack.
 */
abstract class CpuCacheSample {

    static final int CL = Tiers.SMALL;
    static final int CAPACITY = 8;

    final Blocks blocks;
    /** Takes what the cache gives back; refuses refills. */
    final ChainSink central;
    final CpuCache cache = new CpuCache(1 << 20, sizes(), maxCapacities(), false, Tiers.HEAP, 0);

    CpuCacheSample(int count) {
        blocks = Blocks.take(Tiers.CENTRAL, CL, count);
        central = new ChainSink(blocks);
        cache.acquireForMaintenance();
        try {
            cache.grow(CL, CAPACITY);
            cache.push(CL, blocks.get(1));
            cache.push(CL, blocks.get(2));
        } finally {
            cache.release();
        }
    }

    /** A pop under the owner word, as the front end makes it: the block's name, or 0 when the CAS was lost. */
    final int pop() {
        if (!cache.tryAcquire()) {
            return 0;
        }
        try {
            return blocks.name(cache.pop(CL));
        } finally {
            cache.release();
        }
    }

    /** A push of block {@code name} under the owner word: 1, or 0 when the CAS was lost. */
    final int push(int name) {
        if (!cache.tryAcquire()) {
            return 0;
        }
        try {
            long b = blocks.get(name);
            if (cache.push(CL, b)) {
                return 1;
            }
            // As the front end does on a full stack: grow its capacity (a drain gave it up), then push.
            return cache.overflow(CL, CAPACITY) == null && cache.push(CL, b) ? 1 : -1;
        } finally {
            cache.release();
        }
    }

    private static int[] sizes() {
        int[] size = new int[Tiers.CLASSES.count() + 1];
        for (int cl = 1; cl < size.length; cl++) {
            size[cl] = (int) Tiers.CLASSES.size(cl);
        }
        return size;
    }

    private static int[] maxCapacities() {
        int[] cap = new int[Tiers.CLASSES.count() + 1];
        cap[CL] = CAPACITY;
        return cap;
    }

    /** The arbiter's reading: r3 the stack, top first, r4 its length counter. */
    final void readList(IIII_Result r) {
        cache.acquireForMaintenance();
        try {
            int digits = 0;
            for (int i = cache.lengths[CL] - 1; i >= 0; i--) {
                digits = digits * 10 + blocks.name(cache.stacks[CL][i]);
            }
            r.r3 = digits;
            r.r4 = cache.lengths[CL];
        } finally {
            cache.release();
        }
    }
}
