package io.rtmalloc.percpu;

import io.rtmalloc.jcstress.Blocks;
import io.rtmalloc.jcstress.ChainSink;
import io.rtmalloc.jcstress.Tiers;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The sample the {@code CpuCache} stress tests share: a cache of one CPU
 * holding blocks 2 -> 1 of one small class (of {@code count} blocks taken
 * from the shared central tier), a sink for what it gives back, and the
 * owner-word calls the actors make and the arbiter's reading of the list.
 */
abstract class CpuCacheSample {

    static final int CL = Tiers.SMALL;
    static final int BATCH = 4;
    static final int CAPACITY = 8;

    final Blocks blocks;
    /** Takes what the cache gives back; refuses refills. */
    final ChainSink central;
    final CpuCache cache = new CpuCache(Tiers.CLASSES.count(), false, Tiers.HEAP);

    CpuCacheSample(int count) {
        blocks = Blocks.take(Tiers.CENTRAL, CL, count);
        central = new ChainSink(blocks);
        cache.acquireForMaintenance();
        try {
            cache.free(CL, blocks.get(1), BATCH, CAPACITY, central);
            cache.free(CL, blocks.get(2), BATCH, CAPACITY, central);
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
            return blocks.name(cache.allocate(CL, BATCH, CAPACITY, central));
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
            cache.free(CL, blocks.get(name), BATCH, CAPACITY, central);
            return 1;
        } finally {
            cache.release();
        }
    }

    /** The arbiter's reading: r3 the list, head first, r4 its length counter. */
    final void readList(IIII_Result r) {
        cache.acquireForMaintenance();
        try {
            r.r3 = blocks.digits(cache.heads[CL], blocks.count());
            r.r4 = cache.lengths[CL];
        } finally {
            cache.release();
        }
    }
}
