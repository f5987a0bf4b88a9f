package io.rtmalloc.percpu;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndProvider;

/** Provides the "percpu" front end. */
public final class PerCpuFrontEndProvider implements FrontEndProvider {

    /** The constructor ServiceLoader calls. */
    public PerCpuFrontEndProvider() {
    }

    @Override
    public String name() {
        return PerCpuAllocator.NAME;
    }

    @Override
    public Allocator create(Config config, CentralCache central) {
        return new PerCpuAllocator(config, central);
    }
}
