package io.rtmalloc.percpu;

import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndProvider;
import org.osgi.service.component.annotations.Component;

/**
 * Provides the "percpu" front end. Found by {@link java.util.ServiceLoader}, and
 * in an OSGi framework registered as a {@link FrontEndProvider} service, with
 * the property {@code rtmalloc.frontend=percpu}, by Declarative Services; its
 * {@link io.rtmalloc.Allocator} service is {@link PerCpuAllocatorComponent}'s.
 */
@Component(service = FrontEndProvider.class, property = RtMalloc.FRONTEND_PROPERTY + "=" + PerCpuFrontEnd.NAME)
public final class PerCpuFrontEndProvider implements FrontEndProvider {

    /** The constructor ServiceLoader calls. */
    public PerCpuFrontEndProvider() {
    }

    @Override
    public String name() {
        return PerCpuFrontEnd.NAME;
    }

    @Override
    public FrontEnd create(Config config, CentralCache central) {
        return new PerCpuFrontEnd(config, central);
    }
}
