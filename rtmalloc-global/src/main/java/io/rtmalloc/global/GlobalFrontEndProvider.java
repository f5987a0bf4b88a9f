package io.rtmalloc.global;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndProvider;

/** Provides the "global" front end. */
public final class GlobalFrontEndProvider implements FrontEndProvider {

    /** The constructor ServiceLoader calls. */
    public GlobalFrontEndProvider() {
    }

    @Override
    public String name() {
        return GlobalAllocator.NAME;
    }

    @Override
    public Allocator create(Config config, CentralCache central) {
        return new GlobalAllocator(config, central);
    }
}
