package io.rtmalloc.management;

import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;

/**
 * An allocator's figures in JMX ({@code jconsole}, {@code jcmd}, any JMX
 * client), registered as {@code io.rtmalloc:type=Allocator,name=<name>} for
 * allocators built with {@link RtMalloc.Builder#name(String)}. Each read takes
 * a fresh {@link AllocatorStats} snapshot; see {@code docs/stats.md}.
 */
public interface AllocatorMXBean {

    /**
     * The name the allocator was built with.
     *
     * @return the name
     */
    String getName();

    /**
     * The front end: global, threadcache or percpu.
     *
     * @return the value
     */
    String getFrontEnd();

    /**
     * Bytes of blocks held by the application ({@link AllocatorStats#bytesInUse()}).
     *
     * @return the bytes, from a fresh snapshot
     */
    long getBytesInUse();

    /**
     * Bytes of free blocks in front-end caches.
     *
     * @return the bytes, from a fresh snapshot
     */
    long getFrontEndCacheBytes();

    /**
     * Bytes of free blocks held in the transfer caches.
     *
     * @return the bytes, from a fresh snapshot
     */
    long getTransferCacheBytes();

    /**
     * Bytes of small spans not handed out ({@link AllocatorStats#centralFreeBytes()}).
     *
     * @return the bytes, from a fresh snapshot
     */
    long getCentralFreeBytes();

    /**
     * Bytes of free spans whose pages are touched (resident).
     *
     * @return the bytes, from a fresh snapshot
     */
    long getPageHeapFreeBytes();

    /**
     * Bytes of free spans whose pages are not resident: returned to the OS.
     *
     * @return the bytes, from a fresh snapshot
     */
    long getReleasedBytes();

    /**
     * Address space mapped from the OS.
     *
     * @return the bytes, from a fresh snapshot
     */
    long getMappedBytes();

    /**
     * Resident bytes ({@link AllocatorStats#residentBytes()}).
     *
     * @return the bytes, from a fresh snapshot
     */
    long getResidentBytes();

    /**
     * An estimate of the memory the page map and spans use ({@link AllocatorStats#metadataBytes()}).
     *
     * @return the bytes, from a fresh snapshot
     */
    long getMetadataBytes();

    /**
     * Bytes returned to the OS since the allocator was built, every cause.
     *
     * @return the figure, read now
     */
    long getBytesReleasedTotal();

    /**
     * Of those, bytes released after staying free for the decay time.
     *
     * @return the figure, read now
     */
    long getBytesReleasedByDecay();

    /**
     * The soft limit on resident bytes ({@code memory_limit}); 0: none.
     *
     * @return the figure, read now
     */
    long getMemoryLimit();

    /**
     * Sets the soft limit on resident bytes; 0: none.
     *
     * @param bytes the limit
     * @throws IllegalArgumentException if negative, or above the hard limit
     */
    void setMemoryLimit(long bytes);

    /**
     * The hard limit on resident bytes ({@code memory_limit_hard}); 0: none.
     *
     * @return the figure, read now
     */
    long getHardMemoryLimit();

    /**
     * Sets the hard limit on resident bytes; 0: none.
     *
     * @param bytes the limit
     * @throws IllegalArgumentException if negative, or under the soft limit
     */
    void setHardMemoryLimit(long bytes);

    /**
     * The whole report, as {@link AllocatorStats#toString()} prints it.
     *
     * @return the value
     */
    String getReport();

    /**
     * Returns free memory to the OS; answers the bytes released.
     *
     * @return the figure, read now
     */
    long releaseFreeMemory();
}
