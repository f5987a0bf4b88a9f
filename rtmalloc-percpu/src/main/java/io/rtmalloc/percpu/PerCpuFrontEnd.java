package io.rtmalloc.percpu;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEnd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import static io.rtmalloc.spi.Switches.STATS;

/**
 * The per-CPU front end: small blocks come from and go to the cache of the
 * logical CPU the calling thread runs on ({@link CpuCache}), whichever thread
 * that is, platform or virtual; large blocks go to the page heap.
 *
 * <p>Memory in front-end caches is bounded by the number of CPU caches times
 * {@code per_cpu_cache_size}, whatever the number of threads: each class gets
 * {@code per_cpu_cache_size / classes} bytes per CPU as whole blocks (a class
 * whose blocks are larger than its share is not cached).
 *
 * <p>The fast path: the CPU number ({@link CurrentCpu}), one CAS on the CPU's
 * owner word, a pop or push, a release store. A lost CAS goes to the transfer
 * cache rather than spinning.
 */
final class PerCpuFrontEnd implements FrontEnd, FrontEnd.Cache {

    static final String NAME = "percpu";

    private final Config config;
    private final CentralCache central;
    private final SizeClasses classes;
    private final CpuCache[] caches;
    private final int mask;
    /** Blocks each CPU may hold per class; 0 means the class bypasses the CPU caches. */
    private final int[] capacity;
    private final int[] batch;
    private final LongAdder lostRaces = new LongAdder();

    PerCpuFrontEnd(Config config, CentralCache central) {
        this.config = config;
        this.central = central;
        this.classes = central.sizeClasses();
        int n = Integer.highestOneBit(Math.max(1, possibleCpus()) * 2 - 1); // a power of two >= CPUs
        this.mask = n - 1;
        this.caches = new CpuCache[n];
        for (int i = 0; i < n; i++) {
            caches[i] = new CpuCache(classes.count(), STATS, central.pageHeap());
        }
        this.capacity = capacities(config, classes);
        this.batch = new int[classes.count() + 1];
        for (int cl = 1; cl <= classes.count(); cl++) {
            batch[cl] = classes.batchSize(cl);
        }
    }

    /** Per class: an equal share of the per-CPU budget, as whole blocks, at most max_free_list_length. */
    static int[] capacities(Config config, SizeClasses classes) {
        int[] cap = new int[classes.count() + 1];
        long share = config.perCpuCacheSize() / classes.count();
        for (int cl = 1; cl <= classes.count(); cl++) {
            cap[cl] = (int) Math.min(config.maxFreeListLength(), share / classes.size(cl));
        }
        return cap;
    }

    /** CPUs the kernel may ever number ({@code /sys/devices/system/cpu/possible}), else the JVM's count. */
    static int possibleCpus() {
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

    private CpuCache cpuCache() {
        return caches[CurrentCpu.get() & mask];
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long allocate(int cl) {
        int cap = capacity[cl];
        if (cap != 0) {
            CpuCache c = cpuCache();
            if (c.tryAcquire()) {
                try {
                    return c.allocate(cl, batch[cl], cap, central);
                } finally {
                    c.release();
                }
            }
            if (STATS) {
                lostRaces.increment();
            }
        }
        return central.allocate(cl);
    }

    @Override
    public void free(int cl, long address) {
        int cap = capacity[cl];
        if (cap != 0) {
            CpuCache c = cpuCache();
            if (c.tryAcquire()) {
                try {
                    c.free(cl, address, batch[cl], cap, central);
                    return;
                } finally {
                    c.release();
                }
            }
            if (STATS) {
                lostRaces.increment();
            }
        }
        central.free(cl, address);
    }

    /** Itself: a thread holds no per-CPU cache in hand, since it may move to another CPU between calls. */
    @Override
    public Cache cache() {
        return this;
    }

    /** Nothing belongs to the calling thread. */
    @Override
    public void flushCurrentThread() {
    }

    /** Empties every CPU cache, each taken through its owner word. */
    @Override
    public void drain() {
        for (CpuCache c : caches) {
            c.acquireForMaintenance();
            try {
                c.flushAll(central);
            } finally {
                c.release();
            }
        }
    }

    /**
     * The background release: each CPU cache, taken through its owner word as
     * {@link #drain()} does, gives back half of each list that had no refill
     * since the last call, or everything with {@code all}.
     */
    @Override
    public void scavenge(boolean all) {
        for (CpuCache c : caches) {
            c.acquireForMaintenance();
            try {
                if (all) {
                    c.flushAll(central);
                } else {
                    c.scavenge(central);
                }
            } finally {
                c.release();
            }
        }
    }

    /**
     * For {@code close()}: every CPU cache, taken through its owner word,
     * forgets its blocks without touching them (their memory is about to be
     * unmapped). A later call finds the lists empty and goes to the central
     * cache, which refuses.
     */
    @Override
    public void forgetAll() {
        for (CpuCache c : caches) {
            c.acquireForMaintenance();
            try {
                c.forget();
            } finally {
                c.release();
            }
        }
    }

    @Override
    public long[] cachedBlocks() {
        long[] out = new long[classes.count() + 1];
        for (CpuCache c : caches) {
            for (int cl = 1; cl <= classes.count(); cl++) {
                out[cl] += c.lengths[cl]; // racy read: a snapshot, exact when threads are quiet
            }
        }
        return out;
    }

    @Override
    public long[] counters() {
        if (!STATS) {
            return null;
        }
        long[] out = new long[(classes.count() + 1) * COUNTERS];
        for (CpuCache c : caches) {
            for (int i = 0; i < out.length; i++) {
                out[i] += c.counters[i];
            }
        }
        return out;
    }

    @Override
    public Map<String, Long> details() {
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("cpu caches", (long) caches.length);
        details.put("cpu number source: " + CurrentCpu.SOURCE.name().toLowerCase(java.util.Locale.ROOT), 1L);
        details.put("budget per cpu cache (bytes)", config.perCpuCacheSize());
        for (int i = 0; i < caches.length; i++) {
            long bytes = cacheBytes(i);
            if (bytes != 0) {
                details.put("cpu " + i + " cache bytes", bytes);
            }
        }
        if (STATS) {
            details.put("lost ownership races", lostRaces.sum());
        }
        return details;
    }

    /** Bytes held by CPU cache {@code i} (racy read). */
    long cacheBytes(int i) {
        long bytes = 0;
        for (int cl = 1; cl <= classes.count(); cl++) {
            bytes += (long) caches[i].lengths[cl] * classes.size(cl);
        }
        return bytes;
    }

    int cacheCount() {
        return caches.length;
    }

    int capacity(int cl) {
        return capacity[cl];
    }

    long lostRaces() {
        return lostRaces.sum();
    }

    @Override
    public void checkInvariants() {
        for (CpuCache c : caches) {
            c.acquireForMaintenance();
            try {
                c.checkInvariants(capacity);
            } finally {
                c.release();
            }
        }
    }
}
