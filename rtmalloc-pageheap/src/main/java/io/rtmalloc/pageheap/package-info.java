/**
 * The back end of rtmalloc: it maps memory from the OS in large regions, hands
 * it out as spans of whole pages, takes spans back coalescing them with free
 * neighbours, returns free pages to the OS on request, and keeps the radix-tree
 * page map that tells, for any address, its span and size class.
 *
 * <p>{@link io.rtmalloc.pageheap.MmapPageHeap} owns the rules; the page map
 * ({@link io.rtmalloc.pageheap.PageMap}), the free lists
 * ({@link io.rtmalloc.pageheap.FreeLists}) and the system calls
 * ({@link io.rtmalloc.pageheap.SystemMemory}) are its parts.
 */
package io.rtmalloc.pageheap;
