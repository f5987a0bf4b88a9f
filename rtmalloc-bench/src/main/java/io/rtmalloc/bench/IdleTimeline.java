package io.rtmalloc.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

import java.io.PrintStream;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The timeline of {@link IdleReturn} as figures for {@link FootprintProfiler}: the
 * peak growth of the resident set ({@value #PEAK}, MiB) and the share of it given
 * back {@code t} seconds after the free ({@code idle.returned_<t>s}, percent), and
 * the table {@link Main} prints from them.
 */
final class IdleTimeline {

    static final String PEAK = "idle.peak_growth";

    /** The times of the table's columns, in seconds after the free. */
    private static final int[] COLUMNS = {0, 1, 5, 10, 12, 15, 20, 25, 30};

    private IdleTimeline() {
    }

    private static String returned(int seconds) {
        return "idle.returned_" + seconds + "s";
    }

    /**
     * Records the figures of one invocation: VmRSS before and at the peak, then
     * {@code {ms, bytes}} samples after the free.
     */
    static void record(long base, long peak, List<long[]> samples) {
        long growth = peak - base;
        FootprintProfiler.record(PEAK, growth / 1048576.0, "MiB");
        long lastMs = samples.isEmpty() ? 0 : samples.getLast()[0];
        for (int c : COLUMNS) {
            long rss = -1;
            for (long[] s : samples) {
                if (s[0] <= c * 1000L + 125) {
                    rss = s[1];
                }
            }
            if (c * 1000L <= lastMs + 125 && rss >= 0 && growth > 0) {
                FootprintProfiler.record(returned(c), 100.0 * (peak - rss) / growth, "%");
            }
        }
    }

    static void print(Collection<RunResult> results, PrintStream out) {
        List<RunResult> rows = results.stream().filter(r -> r.getSecondaryResults().containsKey(PEAK)).toList();
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
        for (RunResult r : rows) {
            var figures = r.getSecondaryResults();
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s %9.0f",
                    r.getParams().getParam("allocator"), figures.get(PEAK).getScore()));
            for (int c : COLUMNS) {
                Result<?> v = figures.get(returned(c));
                sb.append(String.format(Locale.ROOT, " %6s", v == null ? "-"
                        : String.format(Locale.ROOT, "%.0f%%", v.getScore())));
            }
            out.println(sb);
        }
        out.println();
    }
}
