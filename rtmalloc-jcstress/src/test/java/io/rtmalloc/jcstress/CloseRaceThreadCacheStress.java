package io.rtmalloc.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@code close()} of a "threadcache" allocator racing a free and a malloc on
 * another thread; see {@link CloseRace}. Not in the default run: see the
 * package comment.
 *
 * <p>r1: the free of a block held from before (0 completed, 1 threw
 * {@code IllegalStateException}, 2 anything else); r2: a malloc and free
 * after it, likewise; r3: the close.
 */
@JCStressTest
@Description("RtAllocator.close() against a free and a malloc, front end threadcache")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "both calls completed before the close")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE_INTERESTING, desc = "the free completed, the malloc found the allocator closed")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "both calls found the allocator closed")
@Outcome(expect = FORBIDDEN, desc = "an exception other than IllegalStateException, a call completing after one saw the close, or a failed close")
@State
public class CloseRaceThreadCacheStress {

    private final CloseRace race = new CloseRace("threadcache");
    private final int[] calls = new int[2];

    @Actor
    public void use() {
        race.use(calls);
    }

    @Actor
    public void close(III_Result r) {
        r.r3 = race.close();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = calls[0];
        r.r2 = calls[1];
        race.cleanUp();
    }
}
