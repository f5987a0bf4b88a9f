package io.rtmalloc.pageheap;

/**
 * Where the page heap gets its memory: the OS in production ({@link Mmap}), a
 * limited or failing stand-in in tests.
 *
 * <p>The heap uses it in this order: {@link #reserve} one range of address space
 * and {@link #map} the class map once, at construction; {@link #commit} regions
 * inside the reservation as it grows; {@link #release} free pages; at close,
 * {@link #zeroReadOnly} the class map, {@link #zeroReadWrite} the mapped part
 * of the reservation and {@link #unmap} the rest.
 */
interface SystemMemory {

    /**
     * Reserves {@code bytes} of address space with no access and no memory behind
     * it ({@code PROT_NONE}, {@code MAP_NORESERVE}): it costs no memory and no
     * commit charge, only a mapping entry, and keeps other mappings out of the range.
     *
     * @return the address, a multiple of 4096
     * @throws OutOfMemoryError if the system refuses (such as {@code ulimit -v})
     */
    long reserve(long bytes);

    /**
     * Makes a page-aligned part of a reservation readable and writable, zeroed
     * ({@code MAP_FIXED} over the reservation).
     *
     * @throws OutOfMemoryError if the system refuses; the range then stays reserved
     */
    void commit(long address, long bytes);

    /**
     * Maps {@code bytes} of zeroed, readable and writable memory anywhere, without
     * reserving swap for it ({@code MAP_NORESERVE}): for metadata of which only the
     * touched pages cost memory.
     *
     * @return the address, a multiple of 4096
     * @throws OutOfMemoryError if the system refuses
     */
    long map(long bytes);

    /** Unmaps a range previously reserved or mapped (or a page-aligned part of one). */
    void unmap(long address, long bytes);

    /**
     * Tells the OS the pages' contents are no longer needed: their memory is
     * freed, and the next touch maps zeroed pages again.
     */
    void release(long address, long bytes);

    /**
     * Replaces a mapped range with read-only zero pages ({@code MAP_FIXED},
     * {@code PROT_READ}, {@code MAP_NORESERVE}): its memory and commit charge go
     * back to the OS, yet reading any byte of it still answers 0 and never faults.
     */
    void zeroReadOnly(long address, long bytes);

    /**
     * Replaces a mapped range with fresh readable and writable zero pages
     * ({@code MAP_FIXED}, {@code MAP_NORESERVE}): its memory goes back to the OS,
     * yet any byte of it can still be read and written without a fault.
     */
    void zeroReadWrite(long address, long bytes);

}
