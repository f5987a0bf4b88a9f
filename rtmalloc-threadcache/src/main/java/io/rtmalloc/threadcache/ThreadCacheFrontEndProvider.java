package io.rtmalloc.threadcache;

import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndProvider;
import org.osgi.service.component.annotations.Component;

/**
 * Provides the "threadcache" front end. Found by {@link java.util.ServiceLoader}, and
 * in an OSGi framework registered as a {@link FrontEndProvider} service, with
 * the property {@code rtmalloc.frontend=threadcache}, by Declarative Services; its
 * {@link io.rtmalloc.Allocator} service is {@link ThreadCacheAllocatorComponent}'s.
 */
@Component(service = FrontEndProvider.class, property = RtMalloc.FRONTEND_PROPERTY + "=" + ThreadCacheFrontEnd.NAME)
public final class ThreadCacheFrontEndProvider implements FrontEndProvider {

    /** The constructor ServiceLoader calls. */
    public ThreadCacheFrontEndProvider() {
    }

    @Override
    public String name() {
        return ThreadCacheFrontEnd.NAME;
    }

    @Override
    public FrontEnd create(Config config, CentralCache central) {
        return new ThreadCacheFrontEnd(config, central);
    }
}
