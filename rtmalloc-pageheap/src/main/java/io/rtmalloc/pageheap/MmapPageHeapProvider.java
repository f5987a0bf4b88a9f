package io.rtmalloc.pageheap;

import io.rtmalloc.Config;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapProvider;
import org.osgi.service.component.annotations.Component;

/**
 * Provides the page heap over the OS's {@code mmap}. Found by
 * {@link java.util.ServiceLoader}, and in an OSGi framework registered as a
 * {@link PageHeapProvider} service by Declarative Services.
 */
@Component(service = PageHeapProvider.class)
public final class MmapPageHeapProvider implements PageHeapProvider {

    /** The constructor ServiceLoader calls. */
    public MmapPageHeapProvider() {
    }

    @Override
    public PageHeap create(Config config) {
        return new MmapPageHeap(config, Mmap.INSTANCE);
    }
}
