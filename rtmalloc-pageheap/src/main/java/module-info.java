/**
 * rtmalloc's back end: spans of pages over memory mapped from the OS through FFM
 * downcalls, and the page map from address to span.
 */
module io.rtmalloc.pageheap {
    requires io.rtmalloc.api;

    provides io.rtmalloc.spi.PageHeapProvider with io.rtmalloc.pageheap.MmapPageHeapProvider;
}
