package io.rtmalloc.spi;

import io.rtmalloc.Config;

/** Makes page heaps; found by {@link java.util.ServiceLoader}. */
public interface PageHeapProvider {

    /**
     * A new, empty page heap for this configuration.
     *
     * @param config the configuration
     * @return a new, empty page heap
     */
    PageHeap create(Config config);
}
