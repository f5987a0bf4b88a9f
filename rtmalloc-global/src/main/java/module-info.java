/**
 * rtmalloc's single-global front end: no per-thread state, every call goes to
 * the central tier.
 */
module io.rtmalloc.global {
    requires io.rtmalloc.api;
    // Inside an OSGi framework only: the Declarative Services annotations (class retention,
    // read by bnd at build time) and the framework API of the Allocator component.
    requires static org.osgi.framework;
    requires static org.osgi.service.component.annotations;

    provides io.rtmalloc.spi.FrontEndProvider with io.rtmalloc.global.GlobalFrontEndProvider;
}
