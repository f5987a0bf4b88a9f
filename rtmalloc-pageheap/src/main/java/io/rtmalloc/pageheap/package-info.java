/**
 * The back end of rtmalloc: it reserves one range of address space up front,
 * maps memory inside it as it grows, hands that memory out as spans of whole
 * pages, takes spans back coalescing them with free neighbours, resizes large
 * spans in place, returns free pages to the OS on request, and keeps the page
 * map that tells, for any address, its span and size class.
 *
 * <h2>One reservation, a flat map</h2>
 * The heap reserves {@code address_space} bytes (256 GiB by default) with one
 * {@code mmap(PROT_NONE, MAP_NORESERVE)} and maps its regions inside it at
 * increasing addresses, so its memory is always one prefix
 * {@code [base, base + mappedBytes)}. Why: "is this address ours" is then one
 * unsigned compare, and address to size class that compare plus one byte read
 * of a flat class map (one byte per page of the reservation); neither can fault
 * whatever the address, so the free fast path needs nothing else. What it
 * costs: address space only. The reservation takes no memory and no commit
 * charge, just one kernel mapping entry; the class map takes one byte of
 * address space per page of the reservation (32 MiB for 256 GiB of 8 KiB
 * pages), mapped {@code MAP_NORESERVE}, of which only the part describing mapped
 * pages is touched; span references live on the Java heap in leaves made on
 * first use. The fallback: where the OS refuses the reservation (an
 * address-space limit such as {@code ulimit -v}), the heap halves it and tries
 * again down to 64 MiB; once the reservation is full, allocations throw
 * {@link java.lang.OutOfMemoryError} naming {@code address_space}.
 *
 * <h2>Release</h2>
 * Free spans are touched (resident) or untouched (never touched, or released),
 * never merged across the two kinds, so the heap knows its resident memory
 * exactly; touched ones wait in release queues and go back to the OS
 * ({@code MADV_DONTNEED}) after the decay time, freed large blocks at free, and
 * oldest first under a memory limit. Nothing is unmapped while the heap is
 * open. See {@code docs/release.md}.
 *
 * <p>{@link io.rtmalloc.pageheap.MmapPageHeap} owns the rules; the page map
 * ({@link io.rtmalloc.pageheap.PageMap}), the free lists
 * ({@link io.rtmalloc.pageheap.FreeLists}), the release queues
 * ({@link io.rtmalloc.pageheap.ReleaseQueue}) and the system calls
 * ({@link io.rtmalloc.pageheap.SystemMemory}) are its parts.
 */
package io.rtmalloc.pageheap;
