package io.rtmalloc.spi;

import io.rtmalloc.Config;

/** Makes front ends of one kind; found by {@link java.util.ServiceLoader} or the OSGi service registry. */
public interface FrontEndProvider {

    /** The front end's name, as given to {@code RtMalloc.builder().frontEnd(name)}. */
    String name();

    /** A new front end over {@code central}, for one allocator. */
    FrontEnd create(Config config, CentralCache central);
}
