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
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A thread using its cache while another thread steals from its share: the
 * owner allocates four 1 KiB blocks from cache A (refills that grow A's list
 * limit, asking the budget for more share) and frees them (an overflow that
 * gives a batch back and may ask again); the thief grows cache V twice, taking
 * from the unclaimed budget or from A. The budget is 4 KiB (min 1 KiB, steal
 * 1 KiB), held as A = 1, V = 1, 2 unclaimed.
 *
 * <p>A steal lowers A's share at once; A brings its capacity (the bytes its
 * list limits allow) back under its share at its owner's next slow path, so
 * afterwards the capacity is over the share by at most what was stolen since:
 * two steals at most here, the outcome {@code 1, 1, 3, 3} (the thief ran
 * after the owner's last slow path, which had left A at 3 KiB of share and
 * capacity).
 *
 * <p>r1: 1 when every invariant holds: the shares and the unclaimed part add
 * up to the budget, none is under the minimum, A's lists match their counts
 * and limits, and A's capacity is at most its share plus two steals; r2: A's
 * share; r3: V's share; r4: A's capacity. All in KiB.
 */
@JCStressTest
@Description("ThreadCache: an owner's refills and flushes against a thief of its share")
@Outcome(id = "1, .*", expect = ACCEPTABLE, desc = "every invariant holds; the shares tell where the steals fell")
@Outcome(expect = FORBIDDEN, desc = "shares over the budget or under the minimum, broken lists, or a capacity over its bound")
@State
public class ThreadCacheShareStress {

    private static final int CL = Tiers.LARGE;
    private static final long KIB = 1024;
    private static final long STEAL = KIB;
    private static final Config CONFIG = Tiers.CONFIG.toBuilder()
            .threadCacheSize(4 * KIB).minPerThreadCache(KIB).stealAmount(STEAL).build();

    private final ThreadCacheBudget budget = new ThreadCacheBudget(CONFIG, c -> { });
    private final ThreadCache a = new ThreadCache(CONFIG, Tiers.CENTRAL, budget, LiveThreads.any());
    private final ThreadCache v = new ThreadCache(CONFIG, Tiers.CENTRAL, budget, LiveThreads.any());

    public ThreadCacheShareStress() {
        budget.register(a);
        budget.register(v);
    }

    @Actor
    public void owner() {
        long[] p = new long[4];
        for (int i = 0; i < p.length; i++) {
            p[i] = a.allocate(CL);
        }
        for (long b : p) {
            a.free(CL, b);
        }
    }

    @Actor
    public void thief() {
        budget.grow(v);
        budget.grow(v);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        long share = a.maxSize;
        r.r2 = (int) (share / KIB);
        r.r3 = (int) (v.maxSize / KIB);
        r.r4 = (int) (a.capacity() / KIB);
        boolean ok;
        try {
            budget.checkInvariants();
            a.checkInvariants();
            ok = budget.unclaimed() >= 0 && a.capacity() <= share + 2 * STEAL;
        } catch (IllegalStateException e) {
            ok = false;
        }
        r.r1 = ok ? 1 : 0;
        if (ok) {
            a.flushAll(); // the blocks go back to the shared central cache
        }
    }
}
