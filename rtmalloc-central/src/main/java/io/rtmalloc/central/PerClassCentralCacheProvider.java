package io.rtmalloc.central;

import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.PageHeap;

/** Provides the central cache of per-class transfer caches and central free lists. */
public final class PerClassCentralCacheProvider implements CentralCacheProvider {

    /** The constructor ServiceLoader calls. */
    public PerClassCentralCacheProvider() {
    }

    @Override
    public CentralCache create(Config config, PageHeap pageHeap) {
        return new PerClassCentralCache(config, pageHeap);
    }
}
