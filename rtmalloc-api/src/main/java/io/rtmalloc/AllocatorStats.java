package io.rtmalloc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where an allocator's memory is, at one moment. The byte figures add up:
 * {@code mappedBytes = bytesInUse + frontEndCacheBytes + transferCacheBytes +
 * centralFreeBytes + pageHeapFreeBytes + releasedBytes} when no thread is
 * allocating while the snapshot is taken.
 *
 * @param frontEnd           the front end's name
 * @param bytesInUse         bytes of blocks held by the application (size-class
 *                           bytes for small blocks, whole pages for large ones)
 * @param frontEndCacheBytes bytes of free blocks in front-end caches
 * @param transferCacheBytes bytes of free blocks in the transfer caches
 * @param centralFreeBytes   bytes of small spans not handed out: free blocks,
 *                           blocks not yet carved and the unusable tail of spans
 * @param pageHeapFreeBytes  bytes of free spans whose pages are touched (resident)
 * @param releasedBytes      bytes of free spans whose pages are not resident: returned to the
 *                           OS, or never touched since they were mapped
 * @param mappedBytes        address space mapped from the OS
 * @param largeBytesInUse    the part of {@code bytesInUse} in whole-span blocks
 * @param metadataBytes      an estimate of the memory the page map and spans use: the Java heap
 *                           of the span map and Span objects, and the touched pages of the
 *                           native class map
 * @param spansAllocated     spans the page heap handed out since the allocator was built
 * @param spansFreed         spans it took back
 * @param bytesReleasedTotal bytes returned to the OS since the allocator was built
 * @param largeAllocations   whole-span blocks allocated (0 unless {@code -Drtmalloc.stats=true})
 * @param largeFrees         whole-span blocks freed (likewise)
 * @param release            the bytes returned to the OS by cause, and the memory limits
 * @param sizeClasses        per size class figures, in class order
 * @param frontEndDetails    figures particular to the front end, by name, in
 *                           report order (for example bytes per CPU cache)
 */
public record AllocatorStats(String frontEnd, long bytesInUse, long frontEndCacheBytes,
                             long transferCacheBytes, long centralFreeBytes, long pageHeapFreeBytes,
                             long releasedBytes, long mappedBytes, long largeBytesInUse,
                             long metadataBytes, long spansAllocated, long spansFreed,
                             long bytesReleasedTotal, long largeAllocations, long largeFrees,
                             ReleaseStats release, List<SizeClassStats> sizeClasses,
                             Map<String, Long> frontEndDetails) {

    /**
     * Copies the lists and the map; a null {@code release} is {@link ReleaseStats#NONE}.
     *
     * @param frontEnd the component of that name
     * @param bytesInUse the component of that name
     * @param frontEndCacheBytes the component of that name
     * @param transferCacheBytes the component of that name
     * @param centralFreeBytes the component of that name
     * @param pageHeapFreeBytes the component of that name
     * @param releasedBytes the component of that name
     * @param mappedBytes the component of that name
     * @param largeBytesInUse the component of that name
     * @param metadataBytes the component of that name
     * @param spansAllocated the component of that name
     * @param spansFreed the component of that name
     * @param bytesReleasedTotal the component of that name
     * @param largeAllocations the component of that name
     * @param largeFrees the component of that name
     * @param release the component of that name
     * @param sizeClasses the component of that name
     * @param frontEndDetails the component of that name
     */
    public AllocatorStats {
        release = release == null ? ReleaseStats.NONE : release;
        sizeClasses = List.copyOf(sizeClasses);
        frontEndDetails = Collections.unmodifiableMap(new LinkedHashMap<>(frontEndDetails));
    }

    /**
     * Bytes of touched pages, resident unless the OS swapped them out: mapped
     * minus the free pages that are released or were never touched. Pages of
     * blocks in use and of spans cut into size classes count as touched from the
     * moment they are handed out (a small span's pages beyond its last carved
     * block are not touched yet, but count).
     *
     * @return the touched bytes
     */
    public long residentBytes() {
        return mappedBytes - releasedBytes;
    }

    /** A report in the manner of tcmalloc's {@code MallocExtension::GetStats}; docs/stats.md explains each line. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(4096);
        String rule = "------------------------------------------------\n";
        out.append("rtmalloc stats (").append(frontEnd).append("); each line is explained in docs/stats.md\n");
        out.append(rule);
        line(out, " ", bytesInUse, "Bytes in use by application");
        line(out, "+", frontEndCacheBytes, "Bytes in front-end caches (" + frontEnd + ")");
        line(out, "+", transferCacheBytes, "Bytes in transfer caches");
        line(out, "+", centralFreeBytes, "Bytes in central free lists (free blocks, uncarved, span tails)");
        line(out, "+", pageHeapFreeBytes, "Bytes in page heap free lists");
        line(out, "+", releasedBytes, "Bytes released to the OS or never touched");
        out.append("MALLOC:   ------------\n");
        line(out, "=", mappedBytes, "Bytes mapped (virtual address space used)");
        out.append("MALLOC:\n");
        line(out, " ", largeBytesInUse, "Bytes in use in whole-page blocks (part of in use)");
        line(out, " ", metadataBytes, "page map and spans, Java heap and native (estimate)");
        line(out, " ", residentBytes(), "Bytes resident (touched: mapped minus the line above the rule)");
        line(out, " ", bytesReleasedTotal, "Bytes released to the OS since start, of which:");
        line(out, " ", release.requestBytes(), "  on request (releaseFreeMemory)");
        line(out, " ", release.decayBytes(), "  free for the decay time (release_decay_ms)");
        line(out, " ", release.largeFreeBytes(), "  freed large blocks (large_release_threshold)");
        line(out, " ", release.limitBytes(), "  to stay under a memory limit");
        line(out, " ", release.mergeBytes(), "  to merge free spans for a request");
        out.append(String.format(Locale.ROOT, "MALLOC:   %14d releases (madvise calls) since start%n", release.releases()));
        out.append(String.format(Locale.ROOT, "MALLOC:   memory limit: soft %s, hard %s; soft limit reached %d times, "
                        + "hard limit refused %d requests%n", limit(release.softLimit()), limit(release.hardLimit()),
                release.softLimitHits(), release.hardLimitRefusals()));
        out.append(String.format(Locale.ROOT, "MALLOC:   %14d spans allocated, %d freed since start%n",
                spansAllocated, spansFreed));
        out.append(String.format(Locale.ROOT, "MALLOC:   %14d whole-page blocks allocated, %d freed (with -Drtmalloc.stats=true)%n",
                largeAllocations, largeFrees));
        if (!frontEndDetails.isEmpty()) {
            out.append("Front end (").append(frontEnd).append("):\n");
            frontEndDetails.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %-28s %14d%n", k, v)));
        }
        out.append(rule);
        out.append("Size classes (counts are blocks; hits to flushes are front-end counters, kept with -Drtmalloc.stats=true):\n");
        out.append(String.format(Locale.ROOT, "%5s %8s %7s %10s %10s %10s %10s %10s %12s %10s %9s %9s %12s %12s%n",
                "class", "size", "spans", "in use", "front end", "transfer", "central", "MiB used",
                "hits", "misses", "refills", "flushes", "allocations", "frees"));
        for (SizeClassStats c : sizeClasses) {
            if (c.spans() == 0 && c.inUse() == 0 && c.allocations() == 0) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%5d %8d %7d %10d %10d %10d %10d %10.1f %12d %10d %9d %9d %12d %12d%n",
                    c.sizeClass(), c.size(), c.spans(), c.inUse(), c.inFrontEnd(), c.inTransfer(),
                    c.freeInSpans(), c.inUse() * (double) c.size() / (1 << 20),
                    c.hits(), c.misses(), c.refills(), c.flushes(), c.allocations(), c.frees()));
        }
        out.append(rule);
        return out.toString();
    }

    private static String limit(long bytes) {
        return bytes == 0 ? "none" : bytes + " bytes";
    }

    private static void line(StringBuilder out, String op, long bytes, String what) {
        out.append(String.format(Locale.ROOT, "MALLOC: %s %14d (%8.1f MiB) %s%n", op, bytes, bytes / 1048576.0, what));
    }
}
