/**
 * The README's examples: {@link io.rtmalloc.examples.ChooseFrontEnd} on the
 * module path or the class path, {@link io.rtmalloc.examples.OsgiExample}
 * inside an OSGi framework. Only the API is required: the tiers are found
 * through the {@code uses} of {@code io.rtmalloc.api}.
 */
module io.rtmalloc.examples {
    requires io.rtmalloc.api;
    // OsgiExample only, which runs inside an OSGi framework.
    requires static org.osgi.framework;

    exports io.rtmalloc.examples;
}
