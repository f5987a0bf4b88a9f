package io.rtmalloc.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scores of a run as tables: one per workload, a row per allocator and a
 * column per parameter value (and thread count), each score with its error and
 * its ratio to the baseline allocator's score in the same column, measured in
 * the same run; then a summary of the ratios and the footprint table.
 */
final class ResultTable {

    private ResultTable() {
    }

    /** One workload's scores: rows are allocators (or methods), columns parameter values. */
    record Table(String workload, String unit, List<String> columns, List<String> rows,
                 Map<String, Map<String, RunResult>> cells) {

        RunResult get(String row, String column) {
            Map<String, RunResult> r = cells.get(row);
            return r == null ? null : r.get(column);
        }

        Double score(String row, String column) {
            RunResult r = get(row, column);
            return r == null ? null : r.getPrimaryResult().getScore();
        }

        Double ratio(String row, String column, String baseline) {
            Double s = score(row, column);
            Double b = score(baseline, column);
            return s == null || b == null || b == 0 ? null : s / b;
        }
    }

    static List<Table> tables(Collection<RunResult> results) {
        Map<String, String> units = new LinkedHashMap<>();
        Map<String, List<String>> columns = new HashMap<>();
        Map<String, List<String>> rows = new HashMap<>();
        Map<String, Map<String, Map<String, RunResult>>> cells = new HashMap<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            int dot = bench.lastIndexOf('.');
            String method = bench.substring(dot + 1);
            String cls = bench.substring(bench.lastIndexOf('.', dot - 1) + 1, dot);
            String allocator = r.getParams().getParam("allocator");
            String workload;
            String row;
            if (allocator != null) {
                workload = method;
                row = allocator;
            } else {
                workload = snake(cls);
                row = method;
            }
            List<String> col = new ArrayList<>();
            for (String k : r.getParams().getParamsKeys()) {
                if (!k.equals("allocator")) {
                    col.add(k + "=" + r.getParams().getParam(k));
                }
            }
            if (r.getParams().getThreadGroupLabels().size() <= 1
                    && (r.getParams().getThreads() > 1 || workload.equals("thread_scalability"))) {
                col.add("threads=" + r.getParams().getThreads());
            }
            String column = col.isEmpty() ? "-" : String.join(" ", col);
            units.putIfAbsent(workload, r.getPrimaryResult().getScoreUnit());
            addOnce(columns.computeIfAbsent(workload, x -> new ArrayList<>()), column);
            addOnce(rows.computeIfAbsent(workload, x -> new ArrayList<>()), row);
            cells.computeIfAbsent(workload, x -> new HashMap<>())
                    .computeIfAbsent(row, x -> new HashMap<>()).put(column, r);
        }
        List<Table> out = new ArrayList<>();
        for (String w : units.keySet()) {
            List<String> cs = columns.get(w);
            cs.sort(ResultTable::compareColumns);
            List<String> rs = rows.get(w);
            rs.sort(Comparator.comparingInt(Allocators::rank).thenComparing(Comparator.naturalOrder()));
            out.add(new Table(w, units.get(w), cs, rs, cells.get(w)));
        }
        out.sort(Comparator.comparingInt(t -> workloadRank(t.workload())));
        return out;
    }

    private static void addOnce(List<String> list, String s) {
        if (!list.contains(s)) {
            list.add(s);
        }
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static int workloadRank(String workload) {
        List<String> names = Main.WORKLOADS.stream().map(Main.Workload::name).toList();
        int i = names.indexOf(workload);
        return i < 0 ? names.size() : i;
    }

    /** The workload's baseline, else {@code baseline}. */
    private static String baseline(String workload, String baseline) {
        return Main.WORKLOADS.stream().filter(w -> w.name().equals(workload)).map(Main.Workload::baseline)
                .findFirst().orElse(baseline);
    }

    static void print(List<Table> tables, PrintStream out) {
        String baseline = "libc_ffm";
        for (Table t : tables) {
            String base = t.rows().contains(baseline) ? baseline : baseline(t.workload(), baseline);
            boolean hasBaseline = t.rows().contains(base);
            out.println(t.workload() + ": " + t.unit() + " (score \u00b1 99.9% error"
                    + (hasBaseline ? "; in brackets the ratio to " + base + " in the same column, below 1 is faster)"
                    : ")"));
            List<String> header = new ArrayList<>();
            header.add(t.rows().stream().anyMatch(r -> Allocators.rank(r) < Allocators.values().length)
                    ? "allocator" : "benchmark");
            header.addAll(t.columns());
            List<List<String>> lines = new ArrayList<>();
            lines.add(header);
            for (String row : t.rows()) {
                List<String> line = new ArrayList<>();
                line.add(row);
                for (String c : t.columns()) {
                    RunResult r = t.get(row, c);
                    if (r == null) {
                        line.add("-");
                        continue;
                    }
                    String cell = scoreWithError(r.getPrimaryResult());
                    Double ratio = hasBaseline ? t.ratio(row, c, base) : null;
                    if (ratio != null) {
                        cell += String.format(Locale.ROOT, " (%.2f)", ratio);
                    }
                    line.add(cell);
                }
                lines.add(line);
            }
            printAligned(out, lines, 1, false);
            out.println();
        }
    }

    /** The scores, then their ratios, a column per workload and parameter value: the run at a glance. */
    static void printSummary(List<Table> tables, String baseline, PrintStream out) {
        List<String> heads = new ArrayList<>();
        List<Table> of = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (Table t : tables) {
            if (!t.rows().contains(baseline)) {
                continue;
            }
            for (String c : t.columns()) {
                heads.add(shortLabel(t.workload(), c));
                of.add(t);
                cols.add(c);
            }
            for (String r : t.rows()) {
                addOnce(rows, r);
            }
        }
        if (heads.isEmpty()) {
            return;
        }
        rows.sort(Comparator.comparingInt(Allocators::rank).thenComparing(Comparator.naturalOrder()));
        for (boolean ratios : new boolean[] {false, true}) {
            out.println(ratios
                    ? "Summary: score / " + baseline + " score per workload (below 1 is faster than " + baseline + ")"
                    : "Summary: score per workload, ns/op unless the column says otherwise (lower is faster)");
            List<List<String>> lines = new ArrayList<>();
            List<String> header = new ArrayList<>();
            header.add("allocator");
            for (int i = 0; i < heads.size(); i++) {
                String unit = of.get(i).unit();
                header.add(ratios || unit.equals("ns/op") ? heads.get(i)
                        : heads.get(i) + " (" + unit.replace("/op", "") + ")");
            }
            lines.add(header);
            for (String r : rows) {
                List<String> line = new ArrayList<>();
                line.add(r);
                for (int i = 0; i < heads.size(); i++) {
                    Double v = ratios ? of.get(i).ratio(r, cols.get(i), baseline) : of.get(i).score(r, cols.get(i));
                    line.add(v == null ? "-" : ratios ? String.format(Locale.ROOT, "%.2f", v) : format(v));
                }
                lines.add(line);
            }
            printAligned(out, lines, 1, false);
            out.println();
        }
    }

    /** A column's name for summaries and charts: the workload and its parameter values, short. */
    static String shortLabel(String workload, String column) {
        String w = switch (workload) {
            case "single_alloc_dealloc" -> "single";
            case "batch_1000" -> "batch_1000";
            case "realloc_growth" -> "realloc";
            case "mixed_sizes" -> "mixed";
            case "producer_consumer" -> "prod_cons";
            case "thread_scalability" -> "threads";
            case "virtual_threads" -> "vthreads";
            default -> workload;
        };
        if (column.equals("-")) {
            return w;
        }
        StringBuilder sb = new StringBuilder(w);
        for (String kv : column.split(" ")) {
            sb.append(' ').append(kv.substring(kv.indexOf('=') + 1));
        }
        return sb.toString();
    }

    /** Whether the table's results are single-shot times (one invocation each). */
    static boolean singleShot(Table t) {
        return t.cells().values().stream().flatMap(m -> m.values().stream())
                .anyMatch(r -> r.getParams().getMode() == org.openjdk.jmh.annotations.Mode.SingleShotTime);
    }

    /** For the sampled benchmarks (JMH SampleTime): the percentiles of each cell. */
    static void printPercentiles(List<Table> tables, PrintStream out) {
        for (Table t : tables) {
            List<List<String>> lines = new ArrayList<>();
            lines.add(List.of("allocator", "params", "samples", "p50", "p90", "p99", "p99.9", "p99.99", "max"));
            for (String row : t.rows()) {
                for (String c : t.columns()) {
                    RunResult r = t.get(row, c);
                    if (r == null || r.getParams().getMode() != org.openjdk.jmh.annotations.Mode.SampleTime) {
                        continue;
                    }
                    var st = r.getPrimaryResult().getStatistics();
                    lines.add(List.of(row, c, Long.toString(st.getN()), format(st.getPercentile(50)),
                            format(st.getPercentile(90)), format(st.getPercentile(99)),
                            format(st.getPercentile(99.9)), format(st.getPercentile(99.99)), format(st.getMax())));
                }
            }
            if (lines.size() > 1) {
                out.println(t.workload() + ": percentiles of the sampled operations, " + t.unit());
                printAligned(out, lines, 2, false);
                out.println();
            }
        }
    }

    /** A footprint figure (MiB) of a cell, or null where the workload recorded none. */
    static Double figure(RunResult r, String label) {
        Result<?> f = r == null ? null : r.getSecondaryResults().get(label);
        return f == null ? null : f.getScore();
    }

    /** The figures {@link Footprint} recorded, a line per workload, parameter value and allocator. */
    static void printFootprint(List<Table> tables, PrintStream out) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(List.of("workload", "params", "allocator", "live", "mapped", "resident", "Rss", "Rss/live",
                "VmRSS+", "own account"));
        for (Table t : tables) {
            for (String c : t.columns()) {
                for (String row : t.rows()) {
                    RunResult r = t.get(row, c);
                    Double live = figure(r, Footprint.LIVE);
                    if (live == null) {
                        continue;
                    }
                    Double rss = figure(r, Footprint.RSS);
                    String source = Allocators.rank(row) < Allocators.values().length
                            ? Allocators.of(row).footprintSource : null;
                    lines.add(List.of(t.workload(), c, row, mib(live), mib(figure(r, Footprint.MAPPED)),
                            mib(figure(r, Footprint.RESIDENT)), mib(rss),
                            rss == null || live <= 0 ? "-" : String.format(Locale.ROOT, "%.2f", rss / live),
                            mib(figure(r, Footprint.VMRSS_GROWTH)), source == null ? "-" : source));
                }
            }
        }
        if (lines.size() == 1) {
            return;
        }
        out.println("Footprint with the live set allocated, at the end of a measurement iteration (MiB, the largest):");
        out.println("  live      bytes the workload holds, as requested");
        out.println("  mapped, resident  the allocator's own account, growth since the trial began (see the last column)");
        out.println("  Rss       resident bytes of the memory mappings holding the live blocks (/proc/self/smaps)");
        out.println("  VmRSS+    growth of the whole process's resident set since the trial began (JVM included)");
        printAligned(out, lines, 3, true);
        out.println();
    }

    private static String mib(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Left-aligns the first {@code left} columns (and the last one if {@code lastLeft}), right-aligns the others. */
    private static void printAligned(PrintStream out, List<List<String>> lines, int left, boolean lastLeft) {
        int n = lines.getFirst().size();
        int[] w = new int[n];
        for (List<String> l : lines) {
            for (int j = 0; j < n; j++) {
                w[j] = Math.max(w[j], l.get(j).length());
            }
        }
        for (List<String> l : lines) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < n; j++) {
                if (j > 0) {
                    sb.append("  ");
                }
                boolean l2r = j < left || (lastLeft && j == n - 1);
                sb.append(String.format(Locale.ROOT, "%" + (l2r ? "-" : "") + w[j] + "s", l.get(j)));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    static String scoreWithError(Result<?> r) {
        double score = r.getScore();
        double error = r.getScoreError();
        String s = format(score);
        return Double.isNaN(error) ? s : s + " \u00b1 " + format(error);
    }

    static String format(double v) {
        double a = Math.abs(v);
        String fmt = a < 10 ? "%.2f" : a < 1000 ? "%.1f" : "%.0f";
        return String.format(Locale.ROOT, fmt, v);
    }

    /** Columns in numeric order of their parameter values where they are numbers. */
    static int compareColumns(String a, String b) {
        String[] x = a.split(" ");
        String[] y = b.split(" ");
        for (int k = 0; k < Math.min(x.length, y.length); k++) {
            String u = x[k].substring(x[k].indexOf('=') + 1);
            String v = y[k].substring(y[k].indexOf('=') + 1);
            int c;
            try {
                c = Long.compare(Long.parseLong(u), Long.parseLong(v));
            } catch (NumberFormatException e) {
                c = x[k].compareTo(y[k]);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
