package io.rtmalloc.spi;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import static io.rtmalloc.spi.Switches.STATS;

/**
 * Caches of small blocks per logical CPU ({@link CpuCache}), used by whichever
 * thread runs there, platform or virtual: the per-CPU front end, and the
 * caches of virtual threads in the per-thread front end.
 *
 * <p>Memory is bounded by {@link #bound}: per CPU, {@code per_cpu_cache_size}
 * for its first cache and a quarter of it for each of the others
 * ({@link #SLOTS} per CPU), whatever the number of threads. Within a cache's
 * budget the capacities are dynamic: every class starts at 0 and grows by a
 * batch on each miss (an empty list on a malloc, a full one on a free), from
 * the unclaimed budget or from room other classes do not fill; the background
 * scavenge shrinks the classes that did not miss. No class may hold more than
 * an eighth of the budget, nor {@code max_free_list_length} blocks.
 *
 * <p>The fast path: the CPU number ({@link CurrentCpu}), one CAS on the owner
 * word of the cache of that CPU tried first (its first, unless a thread
 * lately lost that CAS and won the next; the next ones when the CAS fails), a
 * pop or push on an array, a release store. The slow paths hold the word only
 * to grow a capacity or copy a batch, and fetch from or give to the central
 * cache (as arrays, touching no block) after releasing it, so a thread that
 * blocks in the central cache (a virtual thread parked on its lock) never
 * holds a CPU's cache. When every CAS fails, the call goes to the central
 * cache rather than spin.
 */
public final class CpuCaches implements FrontEnd.Cache {

    /**
     * Caches per CPU. A thread preempted while it holds its CPU's cache (for a
     * few instructions) keeps it until it runs again, a time slice or more
     * later; meanwhile the threads that run on that CPU take its next cache
     * rather than all going to the central cache's locks. With one cache per
     * CPU, 8 threads on 2 cores lost 15% of their CASes; with 4, none.
     */
    public static final int SLOTS = 4;

    private final long budget;
    private final CentralCache central;
    private final SizeClasses classes;
    private final CpuCache[] caches;
    private final int mask;
    /** Per class: the most blocks one CPU may hold; 0 means the class bypasses the CPU caches. */
    private final int[] maxCapacity;
    private final int[] batch;
    private final int[] size;
    private final LongAdder lostRaces = new LongAdder();
    /**
     * Per CPU, at {@code cpu * STRIDE}, the cache a thread tries first: the
     * CPU's first cache, or the one a thread last won after losing the CAS of
     * the cache tried first, so that while a preempted thread holds a cache the
     * others stop trying it; back to the first (the one with the whole budget)
     * on the next miss or overflow in another. Written plainly: any value read
     * is one of the CPU's caches, and a stale one costs one failed CAS.
     */
    private final CpuCache[] tryFirst;
    /** References between two CPUs' entries of {@link #tryFirst}: at least a cache line of 64 bytes. */
    private static final int STRIDE = 16;

    /**
     * Caches for every CPU number the kernel may give, over {@code central}.
     *
     * @param config the configuration: the budget and the classes' limits
     * @param central the central cache below
     */
    public CpuCaches(Config config, CentralCache central) {
        this.budget = config.perCpuCacheSize();
        this.central = central;
        this.classes = central.sizeClasses();
        int cpus = Integer.highestOneBit(Math.max(1, possibleCpus()) * 2 - 1); // a power of two >= CPUs
        this.mask = cpus - 1;
        int n = cpus * SLOTS;
        this.maxCapacity = maxCapacities(config, classes);
        int count = classes.count();
        this.batch = new int[count + 1];
        this.size = new int[count + 1];
        for (int cl = 1; cl <= count; cl++) {
            batch[cl] = classes.batchSize(cl);
            size[cl] = (int) classes.size(cl);
        }
        this.caches = new CpuCache[n];
        this.tryFirst = new CpuCache[cpus * STRIDE];
        for (int i = 0; i < n; i++) {
            CpuCache c = new CpuCache(slotBudget(budget, i), size, maxCapacity, STATS, central.pageHeap(), i / SLOTS);
            caches[i] = c;
            if (i % SLOTS == 0) {
                tryFirst[c.cpu * STRIDE] = c;
            }
        }
    }

    /** The budget of cache {@code i}: the whole for a CPU's first cache, a quarter for the others. */
    private static long slotBudget(long budget, int i) {
        return i % SLOTS == 0 ? budget : budget / 4;
    }

    /**
     * The most bytes these caches may hold: the sum of their budgets.
     *
     * @return the most bytes these caches may hold
     */
    public long bound() {
        long sum = 0;
        for (int i = 0; i < caches.length; i++) {
            sum += slotBudget(budget, i);
        }
        return sum;
    }

    /**
     * Per class, the most blocks one CPU may hold: an eighth of the per-CPU
     * budget as whole blocks, at most {@code max_free_list_length}; 0 for a
     * class whose block is larger than that eighth.
     *
     * @param config the configuration
     * @param classes the size classes
     * @return the most blocks of each class one CPU may hold, indexed by class
     */
    public static int[] maxCapacities(Config config, SizeClasses classes) {
        int[] cap = new int[classes.count() + 1];
        long share = config.perCpuCacheSize() / 8;
        for (int cl = 1; cl <= classes.count(); cl++) {
            cap[cl] = (int) Math.min(config.maxFreeListLength(), share / classes.size(cl));
        }
        return cap;
    }

    /**
     * CPUs the kernel may ever number ({@code /sys/devices/system/cpu/possible}), else the JVM's count.
     *
     * @return the number of CPUs the kernel may number
     */
    public static int possibleCpus() {
        int cpus = Runtime.getRuntime().availableProcessors();
        try {
            String text = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
            int max = -1;
            for (String range : text.split(",")) {
                String[] ends = range.split("-");
                max = Math.max(max, Integer.parseInt(ends[ends.length - 1].trim()));
            }
            return Math.max(cpus, max + 1);
        } catch (IOException | RuntimeException e) {
            return cpus;
        }
    }

    /**
     * The cache of the calling thread's CPU whose owner word it won, or null
     * when all of that CPU's caches are taken.
     */
    private CpuCache acquire() {
        int cpu = CurrentCpu.get() & mask;
        CpuCache c = tryFirst[cpu * STRIDE];
        if (c.tryAcquire()) {
            return c;
        }
        return acquireOther(cpu, c);
    }

    /** The CAS on {@code failed}, the cache of {@code cpu} tried first, failed: its other caches in turn. */
    private CpuCache acquireOther(int cpu, CpuCache failed) {
        for (int k = 0; k < SLOTS; k++) {
            CpuCache c = caches[cpu * SLOTS + k];
            if (c != failed && c.tryAcquire()) {
                tryFirst[cpu * STRIDE] = c;
                return c;
            }
        }
        lostRace();
        return null;
    }

    /** A miss or overflow in a cache other than its CPU's first: threads go back to trying the first. */
    private void backToFirst(CpuCache c) {
        CpuCache home = caches[c.cpu * SLOTS];
        if (c != home) {
            tryFirst[c.cpu * STRIDE] = home;
        }
    }

    @Override
    public long allocate(int cl) {
        if (maxCapacity[cl] != 0) {
            CpuCache c = acquire();
            if (c != null) {
                long block;
                int n;
                try {
                    block = c.pop(cl);
                    if (block != 0) {
                        return block;
                    }
                    n = c.miss(cl, batch[cl]);
                    backToFirst(c);
                } finally {
                    c.release();
                }
                return refill(cl, n);
            }
        }
        return central.allocate(cl);
    }

    /**
     * Fetches {@code n} blocks with no CPU held, returns the first, and puts
     * the others in the current CPU's list (or back, when it lost the CAS or
     * the list has no room for them any more).
     */
    private long refill(int cl, int n) {
        if (n == 1) {
            return central.allocate(cl);
        }
        long[] fetched = new long[n];
        central.removeBatch(cl, fetched, 0, n);
        CpuCache c = acquire();
        if (c != null) {
            boolean kept;
            try {
                kept = c.fill(cl, fetched, 1, n - 1);
            } finally {
                c.release();
            }
            if (kept) {
                return fetched[0];
            }
        }
        central.insertBatch(cl, fetched, 1, n - 1);
        return fetched[0];
    }

    @Override
    public void free(int cl, long block) {
        if (maxCapacity[cl] != 0) {
            CpuCache c = acquire();
            if (c != null) {
                long[] spilled;
                boolean pushed = false;
                RuntimeException refused = null;
                try {
                    if (c.push(cl, block)) {
                        return;
                    }
                    spilled = c.overflow(cl, batch[cl]);
                    backToFirst(c);
                    try {
                        pushed = c.push(cl, block);
                    } catch (RuntimeException e) {
                        refused = e; // the block is on the stack further down: the spilled ones still go back
                    }
                } finally {
                    c.release();
                }
                if (spilled != null) {
                    central.insertBatch(cl, spilled, 0, spilled.length);
                }
                if (refused != null) {
                    throw refused;
                }
                if (!pushed) {
                    central.free(cl, block);
                }
                return;
            }
        }
        central.free(cl, block);
    }

    private void lostRace() {
        if (STATS) {
            lostRaces.increment();
        }
    }

    /**
     * Empties every CPU cache, each taken through its owner word, and gives
     * every capacity up; every CPU's first cache is again the one tried first.
     */
    public void drain() {
        eachCache(c -> c.flushAll(central));
        for (int cpu = 0; cpu * SLOTS < caches.length; cpu++) {
            tryFirst[cpu * STRIDE] = caches[cpu * SLOTS];
        }
    }

    /**
     * Which of its caches CPU {@code cpu} tries first now (0 for its first); for tests.
     *
     * @param cpu the CPU number
     * @return the index among the CPU's caches of the one it tries first
     */
    public int triedFirst(int cpu) {
        CpuCache c = tryFirst[cpu * STRIDE];
        for (int k = 0; k < SLOTS; k++) {
            if (caches[cpu * SLOTS + k] == c) {
                return k;
            }
        }
        throw new IllegalStateException("CPU " + cpu + " tries a cache of another CPU first");
    }

    /**
     * Runs {@code body} while the calling thread holds cache {@code slot} of
     * every CPU, as a thread preempted inside a pop would; for tests.
     *
     * @param slot which of each CPU's caches is held
     * @param body what runs while they are held
     */
    public void whileHeld(int slot, Runnable body) {
        int held = 0;
        try {
            for (; held * SLOTS < caches.length; held++) {
                caches[held * SLOTS + slot].acquireForMaintenance();
            }
            body.run();
        } finally {
            for (int cpu = 0; cpu < held; cpu++) {
                caches[cpu * SLOTS + slot].release();
            }
        }
    }

    /**
     * The background release: each CPU cache, taken through its owner word,
     * gives back half of each list that missed no block since the last call
     * and shrinks its capacity, or gives everything back with {@code all}.
     *
     * @param all whether every block goes back, whatever missed
     */
    public void scavenge(boolean all) {
        eachCache(c -> {
            if (all) {
                c.flushAll(central);
            } else {
                c.scavenge(central);
            }
        });
    }

    /**
     * For {@code close()}: every CPU cache, taken through its owner word,
     * forgets its blocks without touching them (their memory is about to be
     * unmapped). A later call finds the lists empty and goes to the central
     * cache, which refuses.
     */
    public void forgetAll() {
        eachCache(CpuCache::forget);
    }

    /**
     * Blocks held per class (racy read: a snapshot, exact when threads are quiet).
     *
     * @return the blocks held of each class, indexed by class
     */
    public long[] cachedBlocks() {
        long[] out = new long[classes.count() + 1];
        for (CpuCache c : caches) {
            for (int cl = 1; cl <= classes.count(); cl++) {
                out[cl] += c.lengths[cl];
            }
        }
        return out;
    }

    /**
     * The counters summed over CPUs ({@link FrontEnd#counters()}), or null when stats are off.
     *
     * @return the counters summed over CPUs, or null when stats are off
     */
    public CacheCounters counters() {
        if (!STATS) {
            return null;
        }
        CacheCounters out = new CacheCounters(classes.count() + 1);
        for (CpuCache c : caches) {
            out.add(c.counters);
        }
        return out;
    }

    /**
     * Adds the figures of these caches, their keys starting with {@code prefix}.
     *
     * @param prefix the start of every key added
     * @param details the map the figures are added to
     */
    public void details(String prefix, Map<String, Long> details) {
        details.put(prefix + "cpu caches", (long) caches.length);
        details.put(prefix + "cpu number source: " + CurrentCpu.SOURCE.name().toLowerCase(Locale.ROOT), 1L);
        details.put(prefix + "budget per cpu cache (bytes)", budget);
        details.put(prefix + "bound of all cpu caches (bytes)", bound());
        for (int i = 0; i < caches.length; i++) {
            long bytes = caches[i].bytes();
            if (bytes != 0) {
                details.put(prefix + "cpu " + i / SLOTS + (i % SLOTS == 0 ? "" : " slot " + i % SLOTS) + " cache bytes",
                        bytes);
            }
        }
        if (STATS) {
            details.put(prefix + "lost ownership races", lostRaces.sum());
        }
    }

    /**
     * The figures of {@link #details(String, Map)} with no prefix.
     *
     * @return the figures, by key
     */
    public Map<String, Long> details() {
        Map<String, Long> d = new LinkedHashMap<>();
        details("", d);
        return d;
    }

    /**
     * Bytes held by all CPU caches (racy read).
     *
     * @return bytes held by all CPU caches
     */
    public long bytes() {
        long bytes = 0;
        for (CpuCache c : caches) {
            bytes += c.bytes();
        }
        return bytes;
    }

    /**
     * Bytes of capacity claimed by CPU cache {@code i} (racy read); at most the budget.
     *
     * @param i the CPU cache's index
     * @return bytes of capacity claimed by CPU cache {@code i}
     */
    public long capacityBytes(int i) {
        return caches[i].capacityBytes;
    }

    /**
     * The number of CPU caches.
     *
     * @return the number of CPU caches
     */
    public int cacheCount() {
        return caches.length;
    }

    /**
     * The most blocks of class {@code cl} one CPU may hold (0: not cached).
     *
     * @param cl the size class
     * @return the most blocks of class {@code cl} one CPU may hold
     */
    public int maxCapacity(int cl) {
        return maxCapacity[cl];
    }

    /**
     * CAS races lost (counted when stats are on).
     *
     * @return the number of CAS races lost
     */
    public long lostRaces() {
        return lostRaces.sum();
    }

    /** Checks every CPU cache, each taken through its owner word. */
    public void checkInvariants() {
        eachCache(CpuCache::checkInvariants);
    }

    /** Runs {@code task} on every CPU cache in turn, each taken through its owner word while it runs. */
    private void eachCache(Consumer<CpuCache> task) {
        for (CpuCache c : caches) {
            c.acquireForMaintenance();
            try {
                task.accept(c);
            } finally {
                c.release();
            }
        }
    }
}
