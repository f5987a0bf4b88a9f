package io.rtmalloc.percpu;

import io.rtmalloc.jcstress.Blocks;
import io.rtmalloc.jcstress.ChainSink;
import io.rtmalloc.jcstress.Tiers;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * An owner's push racing a drain by another thread (the release of free
 * memory, {@link PerCpuFrontEnd#drain()}): the push takes the owner word once,
 * as the front end's {@code free} does; the drain waits for it
 * ({@link CpuCache#acquireForMaintenance()}) and gives every block back. The
 * cache holds 2 -> 1; the push brings block 3. Every block ends in exactly
 * one place: the list, the chain given back, or the pusher's hand after a
 * lost CAS (from where the front end gives it to the transfer cache).
 *
 * <p>r1: 1 pushed, 0 lost the CAS; r2: the blocks the drain gave back, in
 * chain order; r3: the list after both, head first; r4: its length counter.
 */
@JCStressTest
@Description("CpuCache owner word: an owner's push against a drain that waits for the word")
@Outcome(id = "1, 321, 0, 0", expect = ACCEPTABLE, desc = "push, then drain: all three given back")
@Outcome(id = "1, 21, 3, 1", expect = ACCEPTABLE, desc = "drain, then push: 3 alone in the list")
@Outcome(id = "0, 21, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "the push lost the CAS while the drain held the cache")
@Outcome(expect = FORBIDDEN, desc = "a block lost, given back twice, or left listed after the drain, or a count out of step")
@State
public class CpuCacheDrainStress {

    private static final int CL = Tiers.SMALL;
    private static final int BATCH = 4;
    private static final int CAPACITY = 8;

    private final Blocks blocks = Blocks.take(Tiers.CENTRAL, CL, 3);
    /** Takes the drained chain; refuses refills. */
    private final ChainSink central = new ChainSink(blocks);
    private final CpuCache cache = new CpuCache(Tiers.CLASSES.count(), false, Tiers.HEAP);

    public CpuCacheDrainStress() {
        cache.acquireForMaintenance();
        try {
            cache.free(CL, blocks.get(1), BATCH, CAPACITY, central);
            cache.free(CL, blocks.get(2), BATCH, CAPACITY, central);
        } finally {
            cache.release();
        }
    }

    @Actor
    public void push(IIII_Result r) {
        if (cache.tryAcquire()) {
            try {
                cache.free(CL, blocks.get(3), BATCH, CAPACITY, central);
                r.r1 = 1;
            } finally {
                cache.release();
            }
        }
    }

    @Actor
    public void drain() {
        cache.acquireForMaintenance();
        try {
            cache.flushAll(central);
        } finally {
            cache.release();
        }
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r2 = central.given();
        cache.acquireForMaintenance();
        try {
            r.r3 = blocks.digits(cache.heads[CL], blocks.count());
            r.r4 = cache.lengths[CL];
        } finally {
            cache.release();
        }
        blocks.giveBack(Tiers.CENTRAL, CL);
    }
}
