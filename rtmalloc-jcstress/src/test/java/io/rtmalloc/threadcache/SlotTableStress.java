package io.rtmalloc.threadcache;

import io.rtmalloc.jcstress.LiveThreads;
import io.rtmalloc.jcstress.Tiers;
import io.rtmalloc.spi.FrontEnd;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The slot table of {@link ThreadCacheFrontEnd}: a thread's first calls
 * (lookup, slow path through its {@code ThreadLocal}, CAS install of its cache
 * when the slot is free or holds a retired cache) racing the retirement of
 * the cache that holds its slot, a cache of another live thread whose id
 * falls in the same slot ({@link ThreadCacheBudget#retire} and its CAS that
 * clears the slot, as the cleaner runs it once that thread has died).
 *
 * <p>The front end is new for each sample; its constructor puts the other
 * thread's cache in the slot of the thread that ran the owner actor last. The
 * actors' threads live for a whole iteration, so this is the owner's slot but
 * in the samples of a new thread (an iteration's first, and jcstress's sizing
 * runs, each on threads of their own), where the owner's slot is free.
 *
 * <p>r1: 1 when the owner's slot held the other thread's cache at the start;
 * r2: 1 when every cache the owner was served was its own and the other
 * thread's cache was never touched; r3: the owner's slot after both: 0 empty,
 * 1 the owner's cache, 2 the retired cache, 3 another.
 */
@JCStressTest
@Description("ThreadCacheFrontEnd slot table: a thread's first calls against the retirement of the cache in its slot")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "the owner found the slot taken by a live cache, which was then cleared")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "the owner saw the retired cache (or the cleared slot) and took the slot")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "the slot was free (a new owner thread): the owner took it")
@Outcome(expect = FORBIDDEN, desc = "the owner was served another thread's cache, or a retired cache stayed in a slot")
@State
public class SlotTableStress {

    private static final int CL = Tiers.SMALL;
    private static final int MASK = ThreadCacheFrontEnd.SLOTS - 1;
    private static final VarHandle SLOTS;
    private static final VarHandle LOCAL;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(ThreadCache[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(ThreadCacheFrontEnd.class, MethodHandles.lookup());
            SLOTS = lookup.findVarHandle(ThreadCacheFrontEnd.class, "slots", ThreadCache[].class);
            LOCAL = lookup.findVarHandle(ThreadCacheFrontEnd.class, "local", ThreadLocal.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread that ran {@link #owner} last. */
    private static volatile Thread lastOwner;

    private final ThreadCacheFrontEnd frontEnd = new ThreadCacheFrontEnd(Tiers.CONFIG, Tiers.CENTRAL);
    private final ThreadCache[] slots = (ThreadCache[]) SLOTS.get(frontEnd);
    /** The cache of a live thread whose id falls in the slot of {@link #lastOwner}, installed there. */
    private final ThreadCache other;
    private long ownerId;
    private ThreadCache ownCache;
    private ThreadCacheFrontEnd.Handle handle;

    public SlotTableStress() {
        Thread last = lastOwner;
        Thread colliding = LiveThreads.collidingWith(last != null ? last.threadId() : 0, ThreadCacheFrontEnd.SLOTS);
        other = new ThreadCache(Tiers.CONFIG, Tiers.CENTRAL, frontEnd.budget(), colliding);
        frontEnd.budget().register(other);
        SLOT.compareAndSet(slots, (int) other.ownerId & MASK, null, other); // as its owner's first call would
    }

    @Actor
    public void owner(III_Result r) {
        Thread me = Thread.currentThread();
        lastOwner = me;
        ownerId = me.threadId();
        r.r1 = ((int) ownerId & MASK) == ((int) other.ownerId & MASK) ? 1 : 0;
        long p = frontEnd.allocate(CL); // the lookup, then the slow path
        frontEnd.free(CL, p);
        FrontEnd.Cache served = frontEnd.cache();
        ownCache = frontEnd.platformCache();
        r.r2 = served == ownCache && ownCache.ownerId == ownerId && ownCache.length(CL) > 0 && other.length(CL) == 0
                && other.heads[CL] == 0 ? 1 : 0;
        // The thread's entry for this front end's ThreadLocal goes here, so that the entry does
        // not outlive the sample. The state keeps the handle, whose cleaner would otherwise
        // retire the cache before the arbiter.
        ThreadLocal<?> local = (ThreadLocal<?>) LOCAL.get(frontEnd);
        handle = (ThreadCacheFrontEnd.Handle) local.get();
        local.remove();
    }

    @Actor
    public void retire() {
        frontEnd.budget().retire(other);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        ThreadCache s = (ThreadCache) SLOT.getVolatile(slots, (int) ownerId & MASK);
        r.r3 = s == null ? 0 : s == ownCache ? 1 : s == other ? 2 : 3;
        if (handle != null) {
            // Retires the owner's cache (its blocks go back to the shared central cache) through
            // its cleaner registration, as the cleaner would once the thread died, which takes it
            // off the cleaner's list. Left there, each sample's cache, budget and 16 KiB slot
            // table stayed reachable until the cleaner thread, competing with the busy actors,
            // got to it: a census of the fork's live heap found about 5,500 front ends held only
            // by the cleaner beside 2,000 live states (120 of 130 MB), and a fork ran out of its
            // 256 MiB heap. Cleaned here, the front ends live no longer than their states.
            handle.cleanable.clean();
        }
    }
}
