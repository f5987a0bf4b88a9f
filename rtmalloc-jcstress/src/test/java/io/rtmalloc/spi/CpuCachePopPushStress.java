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
 * A pop and a push on one CPU cache from two threads, each through the owner
 * word once, as the front end's {@code allocate} and {@code free} take it (a
 * thread that loses the CAS goes to the transfer cache; here it records 0 and
 * keeps its block). The cache holds 2 -> 1; the push brings block 3. Whoever
 * owns the cache second sees every write of the first: the pop takes the
 * pushed block, or the push lands on what the pop left.
 *
 * <p>r1: the block popped (0: lost the CAS); r2: 1 pushed, 0 lost the CAS;
 * r3: the stack after both, top first; r4: its length counter.
 */
@JCStressTest
@Description("CpuCache owner word: a pop and a push, each under the owner word or not at all")
@Outcome(id = "2, 1, 31, 2", expect = ACCEPTABLE, desc = "pop, then push: 2 popped, 3 pushed on 1")
@Outcome(id = "3, 1, 21, 2", expect = ACCEPTABLE, desc = "push, then pop: the pop took the pushed 3")
@Outcome(id = "0, 1, 321, 3", expect = ACCEPTABLE_INTERESTING, desc = "the pop lost the CAS while the push held the cache")
@Outcome(id = "2, 0, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "the push lost the CAS while the pop held the cache")
@Outcome(expect = FORBIDDEN, desc = "both lost, a block lost or duplicated, or a count out of step with its stack")
@State
public class CpuCachePopPushStress extends CpuCacheSample {

    public CpuCachePopPushStress() {
        super(3);
    }

    @Actor
    public void pop(IIII_Result r) {
        r.r1 = pop();
    }

    @Actor
    public void push(IIII_Result r) {
        r.r2 = push(3);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        readList(r);
        if (central.calls() != 0) {
            r.r4 = -1; // a flush: forbidden here
        }
        blocks.giveBack(Tiers.CENTRAL, CL);
    }
}
