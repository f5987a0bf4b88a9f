package io.rtmalloc.spi;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;

/** Makes allocators of one front end; found by {@link java.util.ServiceLoader}. */
public interface FrontEndProvider {

    /** The front end's name, as given to {@code RtMalloc.builder().frontEnd(name)}. */
    String name();

    /** A new allocator of this front end over {@code central}. */
    Allocator create(Config config, CentralCache central);
}
