package io.rtmalloc.global;

import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndProvider;
import org.osgi.service.component.annotations.Component;

/**
 * Provides the "global" front end. Found by {@link java.util.ServiceLoader}, and
 * in an OSGi framework registered as a {@link FrontEndProvider} service, with
 * the property {@code rtmalloc.frontend=global}, by Declarative Services; its
 * {@link io.rtmalloc.Allocator} service is {@link GlobalAllocatorComponent}'s.
 */
@Component(service = FrontEndProvider.class, property = RtMalloc.FRONTEND_PROPERTY + "=" + GlobalFrontEnd.NAME)
public final class GlobalFrontEndProvider implements FrontEndProvider {

    /** The constructor ServiceLoader calls. */
    public GlobalFrontEndProvider() {
    }

    @Override
    public String name() {
        return GlobalFrontEnd.NAME;
    }

    @Override
    public FrontEnd create(Config config, CentralCache central) {
        return new GlobalFrontEnd(central);
    }
}
