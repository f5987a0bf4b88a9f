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
 * Two pops on one CPU cache from two threads, each through the owner word
 * once, as {@link PerCpuFrontEnd#allocate} takes it: a thread that loses the
 * CAS goes to the transfer cache instead (here it just records 0). The cache
 * holds 2 -> 1. Mutual exclusion and the hand-over of the stack from one owner
 * to the next mean the two pops never return the same block.
 *
 * <p>r1, r2: the block each thread popped (0: lost the CAS); r3: the stack
 * after both, head first; r4: its length counter.
 */
@JCStressTest
@Description("CpuCache owner word: two pops, each under the owner word or not at all")
@Outcome(id = "2, 1, 0, 0", expect = ACCEPTABLE, desc = "actor 1 popped first, actor 2 saw its pop")
@Outcome(id = "1, 2, 0, 0", expect = ACCEPTABLE, desc = "actor 2 popped first, actor 1 saw its pop")
@Outcome(id = "0, 2, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "actor 1 lost the CAS while actor 2 held the cache")
@Outcome(id = "2, 0, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "actor 2 lost the CAS while actor 1 held the cache")
@Outcome(expect = FORBIDDEN, desc = "both lost, a block popped twice, or a count out of step with its stack")
@State
public class CpuCachePopPopStress extends CpuCacheSample {

    public CpuCachePopPopStress() {
        super(2);
    }

    @Actor
    public void actor1(IIII_Result r) {
        r.r1 = pop();
    }

    @Actor
    public void actor2(IIII_Result r) {
        r.r2 = pop();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        readList(r);
        blocks.giveBack(Tiers.CENTRAL, CL);
    }
}
