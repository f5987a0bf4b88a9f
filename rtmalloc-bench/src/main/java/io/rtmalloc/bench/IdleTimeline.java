package io.rtmalloc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The timelines of {@link IdleReturn}: one line per invocation in the file
 * named by {@value #PROPERTY} (allocator, peak MiB, VmRSS before and at the
 * peak, then {@code ms:bytes} samples after the free), and the table
 * {@link Main} prints from them.
 */
final class IdleTimeline {

    static final String PROPERTY = "rtmalloc.bench.idle";

    /** The times of the table's columns, in seconds after the free. */
    private static final int[] COLUMNS = {0, 1, 5, 10, 12, 15, 20, 25, 30};

    record Row(String allocator, long peakMiB, long base, long peak, List<long[]> samples) {

        /** The share of the peak growth returned by {@code ms} after the free (the last sample at or before it). */
        double returnedAt(long ms) {
            long rss = -1;
            for (long[] s : samples) {
                if (s[0] <= ms + 125) {
                    rss = s[1];
                }
            }
            long growth = peak - base;
            return rss < 0 || growth <= 0 ? Double.NaN : (double) (peak - rss) / growth;
        }

        long lastMs() {
            return samples.isEmpty() ? 0 : samples.getLast()[0];
        }
    }

    private IdleTimeline() {
    }

    static void write(String allocator, long peakMiB, long base, long peak, List<long[]> samples) {
        String file = System.getProperty(PROPERTY);
        if (file == null) {
            return;
        }
        StringBuilder sb = new StringBuilder().append(allocator).append(',').append(peakMiB).append(',')
                .append(base).append(',').append(peak);
        for (long[] s : samples) {
            sb.append(',').append(s[0]).append(':').append(s[1]);
        }
        try {
            Files.writeString(Path.of(file), sb.append('\n').toString(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            List<long[]> samples = new ArrayList<>();
            for (int i = 4; i < f.length; i++) {
                String[] kv = f[i].split(":");
                samples.add(new long[] {Long.parseLong(kv[0]), Long.parseLong(kv[1])});
            }
            rows.add(new Row(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), samples));
        }
        return rows;
    }

    static void print(List<Row> rows, PrintStream out) {
        if (rows.isEmpty()) {
            return;
        }
        out.println("Idle return: share of the peak growth of VmRSS given back to the OS, t seconds after freeing"
                + " everything, with no call (rtmalloc decays in 10 s by default):");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-22s %9s", "allocator", "peak MiB"));
        for (int c : COLUMNS) {
            head.append(String.format(Locale.ROOT, " %6s", "t=" + c));
        }
        out.println(head);
        for (Row r : rows) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s %9.0f", r.allocator(),
                    (r.peak() - r.base()) / 1048576.0));
            for (int c : COLUMNS) {
                double v = c * 1000L > r.lastMs() + 125 ? Double.NaN : r.returnedAt(c * 1000L);
                sb.append(String.format(Locale.ROOT, " %6s", Double.isNaN(v) ? "-"
                        : String.format(Locale.ROOT, "%.0f%%", 100 * v)));
            }
            out.println(sb);
        }
        out.println();
    }
}
