package io.rtmalloc.spi;

import io.rtmalloc.Config;

/** Makes front ends of one kind; found by {@link java.util.ServiceLoader} or the OSGi service registry. */
public interface FrontEndProvider {

    /**
     * The front end's name, as given to {@code RtMalloc.builder().frontEnd(name)}.
     *
     * @return the front end's name
     */
    String name();

    /**
     * A new front end over {@code central}, for one allocator.
     *
     * @param config the configuration
     * @param central the central cache below
     * @return a new front end
     */
    FrontEnd create(Config config, CentralCache central);
}
