package io.rtmalloc.testsupport;

import io.rtmalloc.Config;

/** Configurations that tests of several modules build on. */
public final class ConfigFixtures {

    private ConfigFixtures() {
    }

    /**
     * Every knob at its upper bound at once, and the smallest class (8 bytes,
     * one page a span) with the largest batch: the largest configuration
     * allowed but for the classes above 8 bytes, which each test adds (in
     * ascending order) to suit what it checks.
     *
     * @return a builder with every knob set
     */
    public static Config.Builder everyKnobAtItsBound() {
        return Config.builder()
                .pageSize(Config.MAX_PAGE_SIZE)
                .threadCacheSize(Config.MAX_BYTES)
                .minPerThreadCache(Config.MAX_CACHE_SHARE)
                .stealAmount(Config.MAX_CACHE_SHARE)
                .maxFreeListLength(Config.MAX_FREE_LIST_LENGTH)
                .maxOverages(Config.MAX_OVERAGES)
                .maxTransferSlots(Config.MAX_TRANSFER_BLOCKS / Config.MAX_BATCH_SIZE)
                .maxPages(Config.MAX_PAGES)
                .perCpuCacheSize(Config.MAX_CACHE_SHARE)
                .addressSpace(Config.MAX_ADDRESS_SPACE)
                .releaseDecayMs(Config.MAX_RELEASE_MS)
                .releaseRate(Config.MAX_BYTES)
                .largeReleaseThreshold(Config.MAX_BYTES)
                .largeReleaseDelayMs(Config.MAX_RELEASE_MS)
                .memoryLimit(Config.MAX_BYTES)
                .memoryLimitHard(Config.MAX_BYTES)
                .addClass(8, 1, Config.MAX_BATCH_SIZE);
    }
}
