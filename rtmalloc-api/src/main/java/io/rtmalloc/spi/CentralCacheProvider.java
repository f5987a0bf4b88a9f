package io.rtmalloc.spi;

import io.rtmalloc.Config;

/** Makes central caches; found by {@link java.util.ServiceLoader}. */
public interface CentralCacheProvider {

    /**
     * A new central cache for this configuration over {@code pageHeap}.
     *
     * @param config the configuration
     * @param pageHeap the page heap below
     * @return a new central cache
     */
    CentralCache create(Config config, PageHeap pageHeap);
}
