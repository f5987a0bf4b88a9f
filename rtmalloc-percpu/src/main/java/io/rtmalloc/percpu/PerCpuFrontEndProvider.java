package io.rtmalloc.percpu;

import io.rtmalloc.spi.FrontEnd;
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
        return PerCpuFrontEnd.NAME;
    }

    @Override
    public FrontEnd create(Config config, CentralCache central) {
        return new PerCpuFrontEnd(config, central);
    }
}
