package io.rtmalloc.global;

import io.rtmalloc.spi.FrontEnd;
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
        return GlobalFrontEnd.NAME;
    }

    @Override
    public FrontEnd create(Config config, CentralCache central) {
        return new GlobalFrontEnd(central);
    }
}
