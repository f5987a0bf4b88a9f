package io.rtmalloc.threadcache;

import io.rtmalloc.Config;
import io.rtmalloc.spi.CacheCounters;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The process-wide budget of one allocator's thread caches, as in tcmalloc:
 * all caches together may hold {@code thread_cache_size} bytes. A new cache
 * starts with {@code min_per_thread_cache}, or, when more caches live than
 * the budget holds at that much each, with an equal part of the budget, not
 * below {@link #SHARE_FLOOR} (the least share, {@link #leastShare}); a cache
 * that runs over its share asks for {@code steal_amount} more, taken from the
 * unclaimed part of the budget or, when none is left, from another cache
 * (victims in round-robin order, never below the least share). No cache's share grows past
 * {@link #MAX_PER_THREAD} (4 MiB, tcmalloc's {@code kMaxThreadCacheSize}), or
 * the minimum if larger: a thread's cache cannot be emptied by another thread,
 * so an idle thread keeps what it holds, and this bounds it.
 *
 * <p>At most {@link #maxCaches} caches live at once: as many as the budget
 * holds at the least share ({@code thread_cache_size / min(min_per_thread_cache,
 * SHARE_FLOOR)}, 1,024 by default). {@link #register} refuses a cache beyond
 * them, and its thread shares the per-CPU caches, as virtual threads do. An
 * idle thread keeps what its cache held, so without this bound the caches of
 * many idle platform threads grew with their number (the least share each,
 * past 1,024 threads); with it they stay within what 1,024 caches hold.
 *
 * <p>It is also the registry of live caches: it gives back the cache of a
 * thread that has died, found either by a sweep (every registration sweeps) or
 * by the {@link java.lang.ref.Cleaner} of the thread's handle, unless a new
 * thread adopts it first ({@link #adoptDead}): a thread's first call takes
 * over a dead thread's cache, with its blocks, limits and share, when there
 * is one. When the allocator closes, it empties every cache ({@link #close()}).
 *
 * <p>SYNCHRONIZATION: every method holds this object's monitor. It writes the
 * caches' {@code maxSize} and reads their counts racily (for statistics).
 *
 * <p>INVARIANT: {@code unclaimed + sum(maxSize of live caches) == budget};
 * {@code unclaimed} goes negative only when more threads than
 * {@code budget / SHARE_FLOOR} each hold the floor; every share is at least
 * {@code min(min_per_thread_cache, SHARE_FLOOR)}.
 */
final class ThreadCacheBudget {

    private final long budget;
    private final long min;
    private final long steal;
    /** The largest share one cache may have: {@code max(MAX_PER_THREAD, min_per_thread_cache)}. */
    private final long maxShare;
    /** The most caches that live at once: the budget at the least share each (at least 1). */
    private final int maxCaches;

    /** The most one thread's cache may hold, unless {@code min_per_thread_cache} is more: 4 MiB. */
    static final long MAX_PER_THREAD = 4L << 20;
    /**
     * The least share of a cache when more caches live than the budget holds
     * at {@code min_per_thread_cache} each (or {@code min_per_thread_cache},
     * if smaller): 32 KiB, so that the budget bounds the caches of up to
     * {@code thread_cache_size / 32 KiB} threads (1,024 by default).
     */
    static final long SHARE_FLOOR = 32L << 10;
    private final List<ThreadCache> caches = new ArrayList<>();
    private long unclaimed;
    private int nextVictim;
    private long retired;
    private long adopted;
    private long refused;
    private boolean closed;
    /** Told of every cache retired (the front end empties its slot). */
    private final Consumer<ThreadCache> onRetire;

    ThreadCacheBudget(Config config, Consumer<ThreadCache> onRetire) {
        this.onRetire = onRetire;
        this.budget = config.threadCacheSize();
        this.min = config.minPerThreadCache();
        this.steal = config.stealAmount();
        this.maxShare = Math.max(MAX_PER_THREAD, min);
        this.maxCaches = (int) Math.min(Integer.MAX_VALUE, Math.max(1, budget / Math.min(min, SHARE_FLOOR)));
        this.unclaimed = budget;
    }

    /**
     * Registers a new cache with the least share ({@link #leastShare}); first
     * gives back the caches of dead threads. Refuses it (false) when
     * {@link #maxCaches} caches live: its thread then uses the per-CPU caches.
     */
    synchronized boolean register(ThreadCache cache) {
        if (closed) {
            throw new IllegalStateException("rtmalloc: this allocator is closed");
        }
        sweepDead();
        if (caches.size() >= maxCaches) {
            refused++;
            return false;
        }
        long share = leastShare(caches.size() + 1);
        cache.maxSize = share;
        unclaimed -= share;
        // Pay an overdraft back from caches above the least share.
        for (int tries = caches.size(); unclaimed < 0 && tries > 0; tries--) {
            unclaimed += takeFromVictim(-unclaimed, null);
        }
        caches.add(cache);
        return true;
    }

    /** The most caches that live at once. */
    int maxCaches() {
        return maxCaches;
    }

    /** Caches refused since the start, their threads sent to the per-CPU caches. */
    synchronized long refused() {
        return refused;
    }

    /**
     * The least share of each of {@code n} caches: {@code min_per_thread_cache}
     * while the budget holds that much for each, else an equal part of the
     * budget, not below {@link #SHARE_FLOOR} (or {@code min_per_thread_cache},
     * if smaller). So the caches' shares add up to at most the budget up to
     * {@code thread_cache_size / SHARE_FLOOR} caches, and a cache over its
     * share gives the excess back at its next slow path.
     */
    private long leastShare(int n) {
        long floor = Math.min(min, SHARE_FLOOR);
        return Math.max(floor, Math.min(min, budget / Math.max(1, n)));
    }

    /** A larger share for {@code cache}, from the unclaimed budget or from a victim. */
    synchronized void grow(ThreadCache cache) {
        long want = Math.min(steal, maxShare - cache.maxSize);
        if (cache.retired || want <= 0) {
            return;
        }
        if (unclaimed >= want) {
            unclaimed -= want;
            cache.maxSize += want;
            return;
        }
        for (int tries = Math.min(10, caches.size()); tries > 0; tries--) {
            long got = takeFromVictim(want, cache);
            if (got > 0) {
                cache.maxSize += got;
                return;
            }
        }
    }

    /** Takes up to {@code amount} from the next cache above the least share (other than {@code except}). */
    private long takeFromVictim(long amount, ThreadCache except) {
        long least = leastShare(caches.size() + 1);
        for (int i = 0; i < caches.size(); i++) {
            if (nextVictim >= caches.size()) {
                nextVictim = 0;
            }
            ThreadCache victim = caches.get(nextVictim++);
            long spare = victim.maxSize - least;
            if (victim != except && spare > 0) {
                long got = Math.min(amount, spare);
                victim.maxSize -= got;
                return got;
            }
        }
        return 0;
    }

    /**
     * A cache of a dead thread for {@code thread} to take over whole, or null
     * when every registered cache's owner lives: the last registered one found
     * dead is adopted (taken out of its old slot, then given its new owner).
     * Other dead caches stay, whole, for the next threads to adopt; the
     * background release, a drain or the cleaner gives them back meanwhile,
     * and their shares stay within {@code thread_cache_size}. A thread that
     * follows a short-lived one (a server's handler, a round of Larson's
     * benchmark) so starts with the blocks and limits its predecessor left,
     * rather than with empty lists that refill a block at a time while the
     * dead cache's blocks travel back through the central tier; and when
     * several threads die and several start, each new one adopts a cache,
     * rather than the first one giving all the others back under this lock.
     */
    synchronized ThreadCache adoptDead(Thread thread) {
        if (closed) {
            throw new IllegalStateException("rtmalloc: this allocator is closed");
        }
        for (int i = caches.size() - 1; i >= 0; i--) {
            ThreadCache c = caches.get(i);
            if (ownerDied(c)) {
                onRetire.accept(c); // out of the dead owner's slot, before its id changes
                c.adopt(thread);
                adopted++;
                return c;
            }
        }
        return null;
    }

    /**
     * The cleaner's call for a thread's handle: gives the cache back when the
     * thread that died still owns it (no new thread has adopted it).
     */
    synchronized void retire(ThreadCache cache, long ownerId) {
        if (cache.ownerId == ownerId) {
            retire(cache);
        }
    }

    /** Gives back a cache whose owner has died (from the sweep or the cleaner). */
    synchronized void retire(ThreadCache cache) {
        if (cache.retired) {
            return;
        }
        cache.retired = true;
        onRetire.accept(cache);
        cache.flushAll();
        unclaimed += cache.maxSize;
        caches.remove(cache);
        retired++;
    }

    /**
     * For the allocator's close: every cache, whether its owner lives or not,
     * forgets its blocks without touching them and is retired, and no cache
     * registers any more. The caller guarantees that no owner is inside a call.
     */
    synchronized void close() {
        closed = true;
        for (ThreadCache c : caches) {
            c.retired = true;
            onRetire.accept(c);
            c.forget();
        }
        caches.clear();
        unclaimed = budget;
    }

    private static boolean ownerDied(ThreadCache c) {
        Thread owner = c.owner.get();
        return owner == null || !owner.isAlive();
    }

    /** Retires every cache whose owner is gone. */
    synchronized void sweepDead() {
        for (int i = caches.size() - 1; i >= 0; i--) {
            ThreadCache c = caches.get(i);
            if (ownerDied(c)) {
                retire(c);
            }
        }
    }

    /**
     * Asks every live cache to give back at its owner's next slow path: half
     * of each idle list ({@link ThreadCache#SCAVENGE_IDLE}) or everything
     * ({@link ThreadCache#FLUSH_ALL}); a stronger request stays.
     */
    synchronized void requestScavenge(int request) {
        for (ThreadCache c : caches) {
            if (c.scavengeRequest < request) {
                c.scavengeRequest = request;
            }
        }
    }

    /** Blocks held per class in all live caches (read racily from their owners' counts). */
    synchronized long[] cachedBlocks(int classes) {
        long[] out = new long[classes + 1];
        for (ThreadCache c : caches) {
            for (int cl = 1; cl <= classes && cl < c.heads.length; cl++) {
                out[cl] += c.length(cl);
            }
        }
        return out;
    }

    /** Counters of all live caches summed (racy reads, for statistics). */
    synchronized CacheCounters counters(int classes) {
        CacheCounters out = new CacheCounters(classes + 1);
        for (ThreadCache c : caches) {
            if (c.counters != null) {
                out.add(c.counters);
            }
        }
        return out;
    }

    synchronized int liveCaches() {
        return caches.size();
    }

    synchronized long retiredCaches() {
        return retired;
    }

    /** Caches of dead threads taken over by new threads ({@link #adoptDead}). */
    synchronized long adoptedCaches() {
        return adopted;
    }

    /** The sum of the live caches' shares. */
    synchronized long claimed() {
        long sum = 0;
        for (ThreadCache c : caches) {
            sum += c.maxSize;
        }
        return sum;
    }

    /** The sum of the live caches' held bytes (racy reads). */
    synchronized long held() {
        long sum = 0;
        for (ThreadCache c : caches) {
            sum += c.bytes();
        }
        return sum;
    }

    synchronized long unclaimed() {
        return unclaimed;
    }

    long budget() {
        return budget;
    }

    /** Checks {@code unclaimed + claimed == budget}. */
    synchronized void checkInvariants() {
        long claimed = 0;
        for (ThreadCache c : caches) {
            claimed += c.maxSize;
            if (c.maxSize < Math.min(min, SHARE_FLOOR)) {
                throw new IllegalStateException("a cache's share " + c.maxSize + " is under the floor "
                        + Math.min(min, SHARE_FLOOR));
            }
        }
        if (claimed + unclaimed != budget) {
            throw new IllegalStateException("budget " + budget + " != claimed " + claimed + " + unclaimed " + unclaimed);
        }
    }
}
