package io.rtmalloc.spi;

import io.rtmalloc.ReleaseStats;

/**
 * Figures of a page heap at one moment.
 *
 * @param mappedBytes   bytes mapped from the OS and not unmapped
 * @param freeBytes     bytes in free spans whose pages are touched (resident), including
 *                      those being released at this moment
 * @param releasedBytes bytes in free spans whose pages are not touched: returned to the OS,
 *                      or never touched since they were mapped
 * @param largeBytes    bytes in LARGE spans (handed to the application whole)
 * @param smallBytes    bytes in SMALL spans (owned by the central free lists)
 * @param freeSpans     number of free spans (touched or not)
 * @param largeSpans    number of LARGE spans
 * @param metadataBytes an estimate of the memory the page map and spans use (Java heap, and
 *                      native memory of a page map kept outside it)
 * @param spansAllocated  spans handed out since the heap was made (small and large)
 * @param spansFreed      spans taken back since the heap was made
 * @param bytesReleasedTotal bytes returned to the OS since the heap was made
 * @param release       the same by cause, with the limits
 */
public record PageHeapStats(long mappedBytes, long freeBytes, long releasedBytes,
                            long largeBytes, long smallBytes, long freeSpans,
                            long largeSpans, long metadataBytes, long spansAllocated,
                            long spansFreed, long bytesReleasedTotal, ReleaseStats release) {

    /**
     * Bytes of touched pages: mapped minus released.
     *
     * @return bytes of touched pages: mapped minus released
     */
    public long residentBytes() {
        return mappedBytes - releasedBytes;
    }
}
