package io.rtmalloc.pageheap;

/**
 * Where the page heap gets its memory: the OS in production ({@link Mmap}), a
 * limited or failing stand-in in tests.
 */
interface SystemMemory {

    /**
     * Maps {@code bytes} of zeroed, readable and writable memory.
     *
     * @return the address, a multiple of 4096
     * @throws OutOfMemoryError if the system refuses
     */
    long map(long bytes);

    /** Unmaps a range previously mapped (or a page-aligned part of one). */
    void unmap(long address, long bytes);

    /**
     * Tells the OS the pages' contents are no longer needed: their memory is
     * freed, and the next touch maps zeroed pages again.
     */
    void release(long address, long bytes);
}
