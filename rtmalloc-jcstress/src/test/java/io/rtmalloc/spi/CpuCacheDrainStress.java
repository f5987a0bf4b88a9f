package io.rtmalloc.spi;

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
 * memory, {@link CpuCaches#drain()}): the push takes the owner word once,
 * as the front end's {@code free} does; the drain waits for it
 * ({@link CpuCache#acquireForMaintenance()}) and gives every block back. The
 * cache holds 2 -> 1; the push brings block 3. Every block ends in exactly
 * one place: the stack, the batch given back, or the pusher's hand after a
 * lost CAS (from where the front end gives it to the transfer cache).
 *
 * <p>r1: 1 pushed, 0 lost the CAS; r2: the blocks the drain gave back, top
 * first; r3: the stack after both, top first; r4: its length counter.
 */
@JCStressTest
@Description("CpuCache owner word: an owner's push against a drain that waits for the word")
@Outcome(id = "1, 321, 0, 0", expect = ACCEPTABLE, desc = "push, then drain: all three given back")
@Outcome(id = "1, 21, 3, 1", expect = ACCEPTABLE, desc = "drain, then push: 3 alone on the stack")
@Outcome(id = "0, 21, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "the push lost the CAS while the drain held the cache")
@Outcome(expect = FORBIDDEN, desc = "a block lost, given back twice, or left listed after the drain, or a count out of step")
@State
public class CpuCacheDrainStress extends CpuCacheSample {

    public CpuCacheDrainStress() {
        super(3);
    }

    @Actor
    public void push(IIII_Result r) {
        r.r1 = push(3);
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
        readList(r);
        blocks.giveBack(Tiers.CENTRAL, CL);
    }
}
