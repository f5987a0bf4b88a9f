package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CacheCounters;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CpuCaches;
import io.rtmalloc.spi.FrontEnd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.rtmalloc.spi.Switches.STATS;

/**
 * The per-thread front end: small blocks come from and go to the calling
 * platform thread's {@link ThreadCache}; virtual threads, which may be
 * many and short-lived, share caches per CPU ({@link CpuCaches}), so their
 * memory is bounded by the number of CPUs, not of threads (see the package
 * comment).
 *
 * <h2>Finding the thread's cache</h2>
 * A slot table keyed by thread id: the fast path reads
 * {@code slots[threadId & (SLOTS - 1)]} and checks that the cache there is
 * the calling thread's ({@link ThreadCache#ownerId}; thread ids are never
 * reused in a JVM, and a cache's id changes only when a new thread adopts the
 * cache of a dead one). No {@link ThreadLocal} probe, no lock, no
 * atomic. On a miss (first call, an id colliding with a live thread's, a
 * virtual thread) the slow path takes the {@link ThreadLocal}, which stays
 * the cache's true home, and installs the cache in its slot when the slot is
 * empty or holds a retired cache.
 *
 * <p>SYNCHRONIZATION of the slots: a slot changes only by compare-and-set:
 * null or retired to a live cache by its owner, and a cache to null by
 * whoever retires it (under the budget's lock). The fast path reads slots
 * plainly: a stale read finds a cache whose owner id is another thread's (or
 * a retired cache of a dead thread, whose id no live thread has) and goes to
 * the slow path. A slot holds no {@link Thread}; caches hold their owner
 * weakly, so the table keeps no thread reachable.
 */
final class ThreadCacheFrontEnd implements FrontEnd {

    static final String NAME = "threadcache";

    /** Slots of the table: a power of two. 4096 references, 16 KiB with compressed oops. */
    static final int SLOTS = 4096;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(ThreadCache[].class);

    /** One cleaner thread for every allocator of this module. */
    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * What a thread's {@link ThreadLocal} holds: the key whose unreachability
     * (when the thread has died) lets the cleaner give the cache back. The
     * budget holds the cache, never the handle.
     */
    static final class Handle {
        final ThreadCache cache;
        /** The cleaner's registration: {@code clean()} retires the cache now and unregisters it. */
        Cleaner.Cleanable cleanable;

        Handle(ThreadCache cache) {
            this.cache = cache;
        }
    }

    private final Config config;
    private final CentralCache central;
    private final SizeClasses classes;
    private final ThreadCacheBudget budget;
    private final ThreadCache[] slots = new ThreadCache[SLOTS];
    private final ThreadLocal<Handle> local = ThreadLocal.withInitial(this::newHandle);
    /** The caches of virtual threads: one per CPU, whichever virtual thread runs there. */
    private final CpuCaches virtualCaches;

    ThreadCacheFrontEnd(Config config, CentralCache central) {
        this.config = config;
        this.central = central;
        this.classes = central.sizeClasses();
        // The callback holds the slot table, not this front end: a thread's ThreadLocal value
        // (its cache, which holds the budget) must not reach the ThreadLocal itself, or the
        // entry would never go stale and every closed allocator a live thread used would stay.
        ThreadCache[] table = slots;
        this.budget = new ThreadCacheBudget(config, cache -> unslot(table, cache));
        this.virtualCaches = new CpuCaches(config, central);
    }

    /**
     * The calling thread's handle: a dead thread's cache it adopts, or a new
     * cache, or none (null) when the budget refuses one
     * ({@link ThreadCacheBudget#register}): the thread then uses the per-CPU
     * caches of virtual threads, for its life.
     */
    private Handle newHandle() {
        Thread me = Thread.currentThread();
        ThreadCache cache = budget.adoptDead(me);
        if (cache == null) {
            ThreadCache fresh = new ThreadCache(config, central, budget, me);
            if (budget.register(fresh)) {
                cache = fresh;
            }
        }
        Handle handle = new Handle(cache);
        if (cache == null) {
            return handle;
        }
        ThreadCache registered = cache;
        ThreadCacheBudget b = budget;
        long id = me.threadId();
        // Retires the cache once this thread has died, unless another thread has adopted it.
        handle.cleanable = CLEANER.register(handle, () -> b.retire(registered, id));
        return handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long allocate(int cl) {
        long id = Thread.currentThread().threadId();
        ThreadCache c = slots[(int) id & (SLOTS - 1)];
        if (c != null && c.ownerId == id) {
            return c.allocate(cl);
        }
        return cache().allocate(cl);
    }

    @Override
    public void free(int cl, long block) {
        long id = Thread.currentThread().threadId();
        ThreadCache c = slots[(int) id & (SLOTS - 1)];
        if (c != null && c.ownerId == id) {
            c.free(cl, block);
            return;
        }
        cache().free(cl, block);
    }

    /**
     * The calling thread's cache, through its {@link ThreadLocal}, installed in
     * its slot when the slot is free; for a virtual thread, the CPU caches.
     */
    @Override
    public Cache cache() {
        Thread t = Thread.currentThread();
        long id = t.threadId();
        ThreadCache slotted = slots[(int) id & (SLOTS - 1)];
        if (slotted != null && slotted.ownerId == id) {
            return slotted;
        }
        if (t.isVirtual()) {
            return virtualCaches;
        }
        ThreadCache c = local.get().cache;
        if (c == null) { // more platform threads than the budget holds caches for
            return virtualCaches;
        }
        int i = (int) c.ownerId & (SLOTS - 1);
        ThreadCache old = slots[i];
        if (old != c && (old == null || old.retired) && !c.retired) {
            SLOT.compareAndSet(slots, i, old, c);
        }
        return c;
    }

    /** Empties the slot of a cache being retired (called under the budget's lock). */
    private static void unslot(ThreadCache[] slots, ThreadCache cache) {
        SLOT.compareAndSet(slots, (int) cache.ownerId & (SLOTS - 1), cache, null);
    }

    /** The calling platform thread's cache (made if it has none; null when the budget refused one); for tests. */
    ThreadCache platformCache() {
        return local.get().cache;
    }

    /** Whether the calling thread's slot holds its cache; for tests. */
    boolean slotted() {
        long id = Thread.currentThread().threadId();
        ThreadCache c = slots[(int) id & (SLOTS - 1)];
        return c != null && c.ownerId == id;
    }

    /** Slots holding a cache, and of those, slots holding a retired one; for tests. */
    int[] slotCensus() {
        int held = 0;
        int stale = 0;
        for (int i = 0; i < SLOTS; i++) {
            ThreadCache c = (ThreadCache) SLOT.getVolatile(slots, i);
            if (c != null) {
                held++;
                if (c.retired) {
                    stale++;
                }
            }
        }
        return new int[] {held, stale};
    }

    @Override
    public void flushCurrentThread() {
        if (!Thread.currentThread().isVirtual()) {
            ThreadCache c = local.get().cache;
            if (c != null) {
                c.flushAll();
            }
        }
    }

    /** The calling thread's cache, those of dead threads and the CPU caches of virtual threads go back. */
    @Override
    public void drain() {
        flushCurrentThread();
        budget.sweepDead();
        virtualCaches.drain();
    }

    /**
     * The background release: the caches of dead threads go back now; every
     * live cache is asked to give back half of each idle list (everything with
     * {@code all}) at its owner's next slow path, since no other thread may
     * touch its lists. A thread that makes no call keeps its cache, within its
     * share of {@code thread_cache_size}.
     */
    @Override
    public void scavenge(boolean all) {
        budget.sweepDead();
        budget.requestScavenge(all ? ThreadCache.FLUSH_ALL : ThreadCache.SCAVENGE_IDLE);
        virtualCaches.scavenge(all);
    }

    /** Every thread's cache forgets its blocks; no new cache registers. */
    @Override
    public void forgetAll() {
        budget.close();
        virtualCaches.forgetAll();
        // The closing thread's entry goes now (other threads' entries go stale with this front
        // end and are expunged by their maps later): a thread that makes and closes allocators
        // in a loop does not keep them reachable through its ThreadLocalMap.
        local.remove();
    }

    @Override
    public long[] cachedBlocks() {
        long[] blocks = budget.cachedBlocks(classes.count());
        long[] virtual = virtualCaches.cachedBlocks();
        for (int cl = 1; cl < blocks.length; cl++) {
            blocks[cl] += virtual[cl];
        }
        return blocks;
    }

    @Override
    public CacheCounters counters() {
        if (!STATS) {
            return null;
        }
        CacheCounters counters = budget.counters(classes.count());
        counters.add(virtualCaches.counters());
        return counters;
    }

    @Override
    public Map<String, Long> details() {
        Map<String, Long> d = new LinkedHashMap<>();
        d.put("thread caches", (long) budget.liveCaches());
        d.put("thread caches retired", budget.retiredCaches());
        d.put("thread caches refused (threads on the CPU caches)", budget.refused());
        d.put("budget of all thread caches (bytes)", budget.budget());
        d.put("budget unclaimed (bytes)", budget.unclaimed());
        virtualCaches.details("virtual threads: ", d);
        return d;
    }

    @Override
    public void checkInvariants() {
        budget.checkInvariants();
        virtualCaches.checkInvariants();
        if (!Thread.currentThread().isVirtual()) {
            ThreadCache c = local.get().cache;
            if (c != null) {
                c.checkInvariants();
            }
        }
    }

    CpuCaches virtualCaches() {
        return virtualCaches;
    }

    ThreadCacheBudget budget() {
        return budget;
    }
}
