package io.rtmalloc.spi;

import io.rtmalloc.Config;

/** Makes page heaps; found by {@link java.util.ServiceLoader}. */
public interface PageHeapProvider {

    /** A new, empty page heap for this configuration. */
    PageHeap create(Config config);
}
