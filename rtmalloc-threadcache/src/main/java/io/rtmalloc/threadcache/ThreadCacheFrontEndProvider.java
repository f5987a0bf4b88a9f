package io.rtmalloc.threadcache;

import io.rtmalloc.spi.FrontEnd;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndProvider;

/** Provides the "threadcache" front end. */
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
