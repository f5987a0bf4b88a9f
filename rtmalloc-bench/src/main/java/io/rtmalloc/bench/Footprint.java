package io.rtmalloc.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * What a workload with a live set holds, against what its allocator holds for
 * it, at the end of each measurement iteration, with the live set still
 * allocated; {@link FootprintProfiler} makes them secondary results (MiB, the
 * largest over iterations and forks):
 * <ul>
 *   <li>{@value #LIVE}: the bytes the workload holds, as requested;</li>
 *   <li>{@value #MAPPED} and {@value #RESIDENT} by the allocator's own account,
 *       where it keeps one ({@link Allocators#footprintSource}), growth since the
 *       trial began;</li>
 *   <li>{@value #RSS}: the resident bytes ({@code /proc/self/smaps}) of the memory
 *       mappings that hold the live blocks: the pages the allocator has touched
 *       and not given back, in the regions it serves these blocks from (for
 *       glibc, whose arenas other threads of the JVM also use, an upper bound);</li>
 *   <li>{@value #VMRSS_GROWTH}: the growth of the whole process's resident set
 *       ({@code /proc/self/status}) since the trial began, which also counts the
 *       JVM's own growth (compiled code, heap pages) over the trial.</li>
 * </ul>
 */
final class Footprint {

    static final String LIVE = "footprint.live";
    static final String MAPPED = "footprint.mapped";
    static final String RESIDENT = "footprint.resident";
    static final String RSS = "footprint.rss";
    static final String VMRSS_GROWTH = "footprint.vmrss_growth";

    private final Heap heap;
    private final long rss0;
    private final long[] own0;

    /** Takes the baseline: call before the live set is first filled. */
    Footprint(Heap heap) {
        this.heap = heap;
        this.rss0 = vmRss();
        this.own0 = heap.own();
    }

    /**
     * Records the figures with the live set still allocated. First it writes a
     * byte to every page of every live block, as a program that uses the memory
     * it asked for would have: until then some allocators have not touched the
     * pages at all, and the kernel has not made them resident.
     */
    void sample(Blocks blocks, IntToLongFunction sizeOf) {
        long liveBytes = 0;
        for (int i = 0, n = blocks.slots(); i < n; i++) {
            if (blocks.holds(i)) {
                long size = sizeOf.applyAsLong(i);
                liveBytes += size;
                touch(blocks.address(i), size);
            }
        }
        record(LIVE, liveBytes);
        long[] own = heap.own();
        if (own != null) {
            record(MAPPED, own[0] < 0 ? -1 : own[0] - Math.max(0, own0[0]));
            record(RESIDENT, own[1] < 0 ? -1 : own[1] - Math.max(0, own0[1]));
        }
        record(RSS, mappingsRss(blocks));
        long rss = vmRss();
        record(VMRSS_GROWTH, rss < 0 || rss0 < 0 ? -1 : rss - rss0);
    }

    private static void record(String label, long bytes) {
        if (bytes >= 0) {
            FootprintProfiler.record(label, bytes / 1048576.0, "MiB");
        }
    }

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long PAGE = 4096;

    /** Writes a byte to each page of {@code size} bytes at {@code address}. */
    static void touch(long address, long size) {
        for (long p = address; p < address + size; p = (p & -PAGE) + PAGE) {
            ALL.set(ValueLayout.JAVA_BYTE, p, (byte) 1);
        }
    }

    /**
     * The summed {@code Rss} of the mappings in {@code /proc/self/smaps} that hold
     * at least one of the blocks, or -1 where there is no such file.
     */
    static long mappingsRss(Blocks blocks) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/smaps"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        List<long[]> maps = new ArrayList<>(); // start, end, rss
        long[] current = null;
        for (String line : lines) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && isHex(line, 0, dash) && isHex(line, dash + 1, space)) {
                current = new long[] {Long.parseUnsignedLong(line, 0, dash, 16),
                        Long.parseUnsignedLong(line, dash + 1, space, 16), 0};
                maps.add(current);
            } else if (current != null && line.startsWith("Rss:")) {
                current[2] = Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
            }
        }
        maps.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        boolean[] counted = new boolean[maps.size()];
        long sum = 0;
        for (int i = 0, n = blocks.slots(); i < n; i++) {
            if (!blocks.holds(i)) {
                continue;
            }
            long a = blocks.address(i);
            int lo = 0;
            int hi = maps.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long[] m = maps.get(mid);
                if (Long.compareUnsigned(a, m[0]) < 0) {
                    hi = mid - 1;
                } else if (Long.compareUnsigned(a, m[1]) >= 0) {
                    lo = mid + 1;
                } else {
                    if (!counted[mid]) {
                        counted[mid] = true;
                        sum += m[2];
                    }
                    break;
                }
            }
        }
        return sum;
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return to > from;
    }

    /** The process's resident set in bytes, from /proc/self/status, or -1 where there is none. */
    static long vmRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
