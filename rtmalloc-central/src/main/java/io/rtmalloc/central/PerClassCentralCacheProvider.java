package io.rtmalloc.central;

import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.PageHeap;
import org.osgi.service.component.annotations.Component;

/**
 * Provides the central cache of per-class transfer caches and central free
 * lists. Found by {@link java.util.ServiceLoader}, and in an OSGi framework
 * registered as a {@link CentralCacheProvider} service by Declarative Services.
 */
@Component(service = CentralCacheProvider.class)
public final class PerClassCentralCacheProvider implements CentralCacheProvider {

    /** The constructor ServiceLoader calls. */
    public PerClassCentralCacheProvider() {
    }

    @Override
    public CentralCache create(Config config, PageHeap pageHeap) {
        return new PerClassCentralCache(config, pageHeap);
    }
}
