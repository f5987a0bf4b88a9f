package io.rtmalloc;

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

    /** The whole report, as {@link AllocatorStats#toString()} prints it. */
    String getReport();

    /** Returns free memory to the OS; answers the bytes released. */
    long releaseFreeMemory();
}
