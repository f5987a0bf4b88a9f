package io.rtmalloc;

import java.util.List;

/**
 * The value rules of a {@link Config}, checked by its constructor whatever the
 * values came from. Errors carry the canonical key ({@code config.page_size},
 * {@code class[i].size}, {@code classes}) and line 0; the TOML reader places them
 * in the file afterwards ({@link ConfigException#at}).
 *
 * <p>Order: knobs first, in file order, then the classes in order, so the first
 * error reported is the first in a file written in the usual order.
 */
final class ConfigValidator {

    private ConfigValidator() {
    }

    /** Checks every rule; throws a {@link ConfigException} (line 0) for the first broken one. */
    static void check(int pageSize, long threadCacheSize, long minPerThreadCache, long stealAmount,
                      int maxFreeListLength, int maxOverages, int maxTransferSlots, int maxPages,
                      long perCpuCacheSize, long addressSpace, long releaseDecayMs, long releaseRate,
                      long largeReleaseThreshold, long largeReleaseDelayMs, long memoryLimit,
                      long memoryLimitHard, List<SizeClass> classes, String source) {
        try {
            checkPageSize(pageSize);
        } catch (ConfigException e) {
            throw fail(source, e.key(), e.problem());
        }
        bytes(source, "config.thread_cache_size", threadCacheSize, Config.MAX_BYTES);
        bytes(source, "config.min_per_thread_cache", minPerThreadCache, Config.MAX_CACHE_SHARE);
        bytes(source, "config.steal_amount", stealAmount, Config.MAX_CACHE_SHARE);
        count(source, "config.max_free_list_length", maxFreeListLength, Config.MAX_FREE_LIST_LENGTH);
        count(source, "config.max_overages", maxOverages, Config.MAX_OVERAGES);
        count(source, "config.max_transfer_slots", maxTransferSlots, Config.MAX_TRANSFER_SLOTS);
        count(source, "config.max_pages", maxPages, Config.MAX_PAGES);
        bytes(source, "config.per_cpu_cache_size", perCpuCacheSize, Config.MAX_CACHE_SHARE);
        if (threadCacheSize < minPerThreadCache) {
            throw fail(source, "config.thread_cache_size", threadCacheSize
                    + " is smaller than min_per_thread_cache (" + minPerThreadCache + ")");
        }
        checkAddressSpace(pageSize, addressSpace, source);
        checkRelease(pageSize, releaseDecayMs, releaseRate, largeReleaseThreshold, largeReleaseDelayMs,
                memoryLimit, memoryLimitHard, source);
        checkClasses(pageSize, maxTransferSlots, classes, source);
    }

    /**
     * Checks the page size alone (the auto rules need a valid one). The exception
     * has no source: callers that know it add it.
     */
    static void checkPageSize(int pageSize) {
        if (pageSize < Config.MIN_PAGE_SIZE || Integer.bitCount(pageSize) != 1) {
            throw new ConfigException(null, "config.page_size", 0,
                    pageSize + " is not a power of two >= " + Config.MIN_PAGE_SIZE);
        }
        if (pageSize > Config.MAX_PAGE_SIZE) {
            throw new ConfigException(null, "config.page_size", 0, outOfRange(pageSize,
                    Config.MIN_PAGE_SIZE, Config.MAX_PAGE_SIZE, true) + " (a power of two)");
        }
    }

    private static void checkAddressSpace(int pageSize, long addressSpace, String source) {
        String key = "config.address_space";
        if (addressSpace < Config.MIN_ADDRESS_SPACE || addressSpace > Config.MAX_ADDRESS_SPACE) {
            throw fail(source, key, outOfRange(addressSpace, Config.MIN_ADDRESS_SPACE, Config.MAX_ADDRESS_SPACE, true));
        }
        if (addressSpace % pageSize != 0) {
            throw fail(source, key, addressSpace + " is not a multiple of page_size (" + pageSize + ")");
        }
    }

    private static void checkRelease(int pageSize, long decayMs, long rate, long largeThreshold,
                                     long largeDelayMs, long soft, long hard, String source) {
        milliseconds(source, "config.release_decay_ms", decayMs);
        bytes(source, "config.release_rate", rate, Config.MAX_BYTES);
        zeroOrPages(source, "config.large_release_threshold", largeThreshold, pageSize);
        milliseconds(source, "config.large_release_delay_ms", largeDelayMs);
        zeroOrPages(source, "config.memory_limit", soft, pageSize);
        zeroOrPages(source, "config.memory_limit_hard", hard, pageSize);
        if (soft > 0 && hard > 0 && hard < soft) {
            throw fail(source, "config.memory_limit_hard", hard + " is under memory_limit (" + soft
                    + "): the hard limit must not be under the soft one");
        }
    }

    private static void milliseconds(String source, String key, long ms) {
        if (ms < 0 || ms > Config.MAX_RELEASE_MS) {
            throw fail(source, key, ms + " is out of range: it must be from 0 to " + Config.MAX_RELEASE_MS
                    + " (one day, in milliseconds)");
        }
    }

    /** 0 (none), else from the page size to {@link Config#MAX_BYTES}. */
    private static void zeroOrPages(String source, String key, long bytes, int pageSize) {
        if (bytes < 0 || (bytes != 0 && bytes < pageSize)) {
            throw fail(source, key, bytes + " must be 0 (none) or at least page_size (" + pageSize + ")");
        }
        if (bytes > Config.MAX_BYTES) {
            throw fail(source, key, outOfRange(bytes, pageSize, Config.MAX_BYTES, true) + "; 0 means none");
        }
    }

    private static void checkClasses(int pageSize, int maxTransferSlots, List<SizeClass> classes, String source) {
        if (classes == null || classes.isEmpty()) {
            throw fail(source, "classes", "no size classes: at least 1 is needed");
        }
        if (classes.size() > Config.MAX_CLASSES) {
            throw fail(source, "class[" + Config.MAX_CLASSES + "]", "too many size classes: "
                    + classes.size() + " given, at most " + Config.MAX_CLASSES + " allowed");
        }
        int previous = 0;
        for (int i = 0; i < classes.size(); i++) {
            SizeClass c = classes.get(i);
            String key = "class[" + i + "]";
            if (c == null) {
                throw fail(source, key, "is null");
            }
            int size = c.size();
            if (size <= 0) {
                throw fail(source, key + ".size", "must be > 0, got " + size);
            }
            if (size % 8 != 0) {
                throw fail(source, key + ".size", size + " is not a multiple of 8");
            }
            if (size > Config.MAX_CLASS_SIZE) {
                throw fail(source, key + ".size", size + " is larger than the largest class size allowed ("
                        + Config.MAX_CLASS_SIZE + " = 16 MiB; larger blocks are served as whole pages)");
            }
            if (size <= previous) {
                throw fail(source, key + ".size", size + " is not larger than the previous class size "
                        + previous + " (sizes must be strictly ascending)");
            }
            if (c.pages() <= 0) {
                throw fail(source, key + ".pages", "must be > 0, got " + c.pages());
            }
            if (c.batchSize() <= 0) {
                throw fail(source, key + ".batch_size", "must be > 0, got " + c.batchSize());
            }
            if (c.batchSize() > Config.MAX_BATCH_SIZE) {
                throw fail(source, key + ".batch_size", outOfRange(c.batchSize(), 1, Config.MAX_BATCH_SIZE, false));
            }
            // The transfer cache of the class is a long[] of this many blocks, made at build time.
            long transfer = (long) c.batchSize() * maxTransferSlots;
            if (transfer > Config.MAX_TRANSFER_BLOCKS) {
                throw fail(source, key + ".batch_size", "batch_size " + c.batchSize() + " times max_transfer_slots "
                        + maxTransferSlots + " is " + transfer + " blocks, more than the "
                        + Config.MAX_TRANSFER_BLOCKS + " a transfer cache may hold per class;"
                        + " lower batch_size or max_transfer_slots");
            }
            long span = (long) c.pages() * pageSize;
            if (span < size) {
                throw fail(source, key + ".pages", c.pages() + (c.pages() == 1 ? " page" : " pages")
                        + " of " + pageSize + " bytes cannot hold one object of " + size + " bytes");
            }
            if (span > Config.MAX_SPAN_BYTES) {
                throw fail(source, key + ".pages", c.pages() + " pages of " + pageSize + " bytes make a span of "
                        + span + " bytes, larger than the largest span allowed ("
                        + Config.MAX_SPAN_BYTES + " = 1 GiB)");
            }
            previous = size;
        }
    }

    /** A byte count from 1 to {@code max}. */
    private static void bytes(String source, String key, long value, long max) {
        if (value <= 0) {
            throw fail(source, key, "must be > 0, got " + value);
        }
        if (value > max) {
            throw fail(source, key, outOfRange(value, 1, max, true));
        }
    }

    /** A count from 1 to {@code max}. */
    private static void count(String source, String key, long value, long max) {
        if (value <= 0) {
            throw fail(source, key, "must be > 0, got " + value);
        }
        if (value > max) {
            throw fail(source, key, outOfRange(value, 1, max, false));
        }
    }

    /** "v is out of range: it must be from min to max", byte counts with their size in binary units. */
    static String outOfRange(long value, long min, long max, boolean bytes) {
        return value + " is out of range: it must be from " + (bytes ? bytes(min) : min) + " to "
                + (bytes ? bytes(max) + " bytes" : max);
    }

    /** {@code n}, and its size in the largest binary unit that divides it ({@code 16777216 (16 MiB)}). */
    private static String bytes(long n) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        String unit = null;
        long value = n;
        for (int i = 0; i < units.length && value >= 1024 && value % 1024 == 0; i++) {
            value /= 1024;
            unit = units[i];
        }
        return unit == null ? Long.toString(n) : n + " (" + value + " " + unit + ")";
    }

    private static ConfigException fail(String source, String key, String problem) {
        return new ConfigException(source, key, 0, problem);
    }
}
