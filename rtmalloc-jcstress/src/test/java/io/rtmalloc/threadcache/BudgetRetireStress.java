package io.rtmalloc.threadcache;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A cache's share growing ({@link ThreadCacheBudget#grow}) while the cache is
 * retired ({@link ThreadCacheBudget#retire}, as the sweep or the cleaner does
 * once its owner has died): a retired cache's share goes back to the budget
 * once, and a grow that comes after the retirement takes nothing. The budget
 * is 4 units (min 1, steal 1), held as A = 1, B = 1, 2 unclaimed.
 *
 * <p>r1: B's share after both; r2: the unclaimed part; r3: the shares of the
 * live caches; r4: how many caches are live. All shares in units.
 */
@JCStressTest
@Description("ThreadCacheBudget: a grow of a cache against its retirement")
@Outcome(id = "2, 3, 1, 1", expect = ACCEPTABLE, desc = "grow first: B's share of 2 went back whole")
@Outcome(id = "1, 3, 1, 1", expect = ACCEPTABLE, desc = "retire first: the grow took nothing")
@Outcome(expect = FORBIDDEN, desc = "a retired cache grew (its share lost to the budget), or the shares do not add up")
@State
public class BudgetRetireStress {

    private static final long UNIT = BudgetStealStress.UNIT;

    private final ThreadCacheBudget budget = new ThreadCacheBudget(BudgetStealStress.CONFIG, c -> { });
    private final ThreadCache a = BudgetStealStress.cache(budget);
    private final ThreadCache b = BudgetStealStress.cache(budget);

    public BudgetRetireStress() {
        budget.register(a);
        budget.register(b);
    }

    @Actor
    public void grow() {
        budget.grow(b);
    }

    @Actor
    public void retire() {
        budget.retire(b);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = (int) (b.maxSize / UNIT);
        r.r2 = (int) (budget.unclaimed() / UNIT);
        r.r3 = (int) (budget.claimed() / UNIT);
        r.r4 = budget.liveCaches();
        budget.checkInvariants();
    }
}
