package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.jcstress.LiveThreads;
import io.rtmalloc.jcstress.Tiers;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two threads taking shares of a spent thread-cache budget at once: one grows
 * cache B's share ({@link ThreadCacheBudget#grow}), the other registers a new
 * cache C ({@link ThreadCacheBudget#register}); with nothing unclaimed, both
 * take from other caches' shares, in round-robin order. The budget is 4
 * units (min 1, steal 1), held as A = 3, B = 1. Each thread then reads A's
 * share, which a steal lowered under the budget's lock: it sees the latest.
 *
 * <p>r1, r2: A's share as each thread reads it after its call; r3..r5: the
 * shares of A, B, C after both; r6: the unclaimed part. All in units.
 */
@JCStressTest
@Description("ThreadCacheBudget: a grow and a registration stealing from a spent budget")
@Outcome(id = "2, 2, 2, 1, 1, 0", expect = ACCEPTABLE, desc = "grow first (B takes from A), then C takes from B")
@Outcome(id = "1, 2, 1, 2, 1, 0", expect = ACCEPTABLE, desc = "register first (C takes from A), then B takes from A; the registrar read A before the grow")
@Outcome(id = "1, 1, 1, 2, 1, 0", expect = ACCEPTABLE, desc = "register first, then the grow; the registrar read A after it")
@Outcome(expect = FORBIDDEN, desc = "shares over the budget, a share under the minimum, or a stale share read")
@State
public class BudgetStealStress {

    static final long UNIT = 64 << 10;
    static final Config CONFIG = Tiers.CONFIG.toBuilder()
            .threadCacheSize(4 * UNIT).minPerThreadCache(UNIT).stealAmount(UNIT).build();

    private final ThreadCacheBudget budget = new ThreadCacheBudget(CONFIG, c -> { });
    private final ThreadCache a = cache(budget);
    private final ThreadCache b = cache(budget);
    private final ThreadCache c = new ThreadCache(CONFIG, Tiers.CENTRAL, budget, LiveThreads.any());

    public BudgetStealStress() {
        budget.register(a);
        budget.register(b);
        budget.grow(a);
        budget.grow(a);
    }

    /** A registered cache whose owner stays alive, so that no sweep retires it. */
    static ThreadCache cache(ThreadCacheBudget budget) {
        return new ThreadCache(CONFIG, Tiers.CENTRAL, budget, LiveThreads.any());
    }

    @Actor
    public void grow(IIIIII_Result r) {
        budget.grow(b);
        r.r1 = (int) (a.maxSize / UNIT);
    }

    @Actor
    public void register(IIIIII_Result r) {
        budget.register(c);
        r.r2 = (int) (a.maxSize / UNIT);
    }

    @Arbiter
    public void arbiter(IIIIII_Result r) {
        r.r3 = (int) (a.maxSize / UNIT);
        r.r4 = (int) (b.maxSize / UNIT);
        r.r5 = (int) (c.maxSize / UNIT);
        r.r6 = (int) (budget.unclaimed() / UNIT);
        budget.checkInvariants(); // claimed + unclaimed == budget, no share under the minimum
    }
}
