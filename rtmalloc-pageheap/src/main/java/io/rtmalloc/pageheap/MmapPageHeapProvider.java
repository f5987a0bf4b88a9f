package io.rtmalloc.pageheap;

import io.rtmalloc.Config;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapProvider;

/** Provides the page heap over the OS's {@code mmap}. */
public final class MmapPageHeapProvider implements PageHeapProvider {

    /** The constructor ServiceLoader calls. */
    public MmapPageHeapProvider() {
    }

    @Override
    public PageHeap create(Config config) {
        return new MmapPageHeap(config, Mmap.INSTANCE);
    }
}
