package io.rtmalloc.management;

import io.rtmalloc.AllocatorStats;

/**
 * An allocator's figures in JMX ({@code jconsole}, {@code jcmd}, any JMX
 * client), registered as {@code io.rtmalloc:type=Allocator,name=<name>} for
 * allocators built with {@link RtMalloc.Builder#name(String)}. Each read takes
 * a fresh {@link AllocatorStats} snapshot; see {@code docs/stats.md}.
 */
public interface AllocatorMXBean {

    /** The name the allocator was built with. */
    String getName();

    /** The front end: global, threadcache or percpu. */
    String getFrontEnd();

    long getBytesInUse();

    long getFrontEndCacheBytes();

    long getTransferCacheBytes();

    long getCentralFreeBytes();

    long getPageHeapFreeBytes();

    long getReleasedBytes();

    long getMappedBytes();

    long getResidentBytes();

    long getMetadataBytes();

    /** Bytes returned to the OS since the allocator was built, every cause. */
    long getBytesReleasedTotal();

    /** Of those, bytes released after staying free for the decay time. */
    long getBytesReleasedByDecay();

    /** The soft limit on resident bytes ({@code memory_limit}); 0: none. */
    long getMemoryLimit();

    /**
     * Sets the soft limit on resident bytes; 0: none.
     *
     * @throws IllegalArgumentException if negative, or above the hard limit
     */
    void setMemoryLimit(long bytes);

    /** The hard limit on resident bytes ({@code memory_limit_hard}); 0: none. */
    long getHardMemoryLimit();

    /**
     * Sets the hard limit on resident bytes; 0: none.
     *
     * @throws IllegalArgumentException if negative, or under the soft limit
     */
    void setHardMemoryLimit(long bytes);

    /** The whole report, as {@link AllocatorStats#toString()} prints it. */
    String getReport();

    /** Returns free memory to the OS; answers the bytes released. */
    long releaseFreeMemory();
}
