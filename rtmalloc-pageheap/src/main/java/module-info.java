/**
 * rtmalloc's back end: spans of pages in one range of address space reserved up
 * front and mapped from the OS through FFM downcalls, and the flat page map from
 * address to span and size class.
 */
module io.rtmalloc.pageheap {
    requires io.rtmalloc.api;
    // The Declarative Services annotation of the provider: class retention, read by bnd at
    // build time, absent at run time.
    requires static org.osgi.service.component.annotations;

    provides io.rtmalloc.spi.PageHeapProvider with io.rtmalloc.pageheap.MmapPageHeapProvider;
}
