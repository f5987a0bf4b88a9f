package io.rtmalloc.bench;

import org.openjdk.jmh.results.RunResult;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Prints the scores of a run grouped by benchmark class and parameter values,
 * one column per benchmark method, then the ratio of each score to the
 * baseline method's score in the same row (the same run, the same parameters).
 */
final class ResultTable {

    private ResultTable() {
    }

    static void print(Collection<RunResult> results, String baseline, PrintStream out) {
        // class -> rows (parameter values) -> method -> result
        Map<String, Map<String, Map<String, RunResult>>> byClass =
                new LinkedHashMap<>();
        Map<String, String> paramHeader = new HashMap<>();
        for (RunResult r : results) {
            String full = r.getParams().getBenchmark();
            int dot = full.lastIndexOf('.');
            String cls = full.substring(full.lastIndexOf('.', dot - 1) + 1, dot);
            String method = full.substring(dot + 1);
            List<String> keys = new ArrayList<>(r.getParams().getParamsKeys());
            List<String> values = new ArrayList<>();
            for (String k : keys) {
                values.add(r.getParams().getParam(k));
            }
            String row = String.join(" ", values);
            paramHeader.putIfAbsent(cls, String.join(" ", keys));
            byClass.computeIfAbsent(cls, c -> new TreeMap<>(ResultTable::compareRows))
                    .computeIfAbsent(row, x -> new HashMap<>())
                    .put(method, r);
            }
        for (var e : byClass.entrySet()) {
            printClass(e.getKey(), paramHeader.get(e.getKey()), e.getValue(), baseline, out);
        }
    }

    private static void printClass(String cls, String params,
                                   Map<String, Map<String, RunResult>> rows,
                                   String baseline, PrintStream out) {
        SortedSet<String> methodSet = new TreeSet<>(ResultTable::compareMethods);
        String unit = null;
        for (var row : rows.values()) {
            methodSet.addAll(row.keySet());
            for (RunResult r : row.values()) {
                unit = r.getPrimaryResult().getScoreUnit();
            }
        }
        List<String> methods = new ArrayList<>(methodSet);
        boolean hasBaseline = methods.contains(baseline);
        String rowHead = params.isEmpty() ? "" : params;
        int headWidth = Math.max(rowHead.length(), 4);
        for (String row : rows.keySet()) {
            headWidth = Math.max(headWidth, row.length());
        }

        // scores with their error
        String[][] cells = new String[rows.size()][methods.size()];
        String[][] ratios = new String[rows.size()][methods.size()];
        int[] widths = new int[methods.size()];
        int[] ratioWidths = new int[methods.size()];
        int i = 0;
        for (var row : rows.values()) {
            RunResult base = row.get(baseline);
            for (int j = 0; j < methods.size(); j++) {
                RunResult r = row.get(methods.get(j));
                cells[i][j] = r == null ? "-" : scoreWithError(r);
                ratios[i][j] = r == null || base == null ? "-"
                        : String.format(Locale.ROOT, "%.2f",
                        r.getPrimaryResult().getScore() / base.getPrimaryResult().getScore());
                widths[j] = Math.max(Math.max(widths[j], methods.get(j).length()), cells[i][j].length());
                ratioWidths[j] = Math.max(Math.max(ratioWidths[j], methods.get(j).length()), ratios[i][j].length());
            }
            i++;
        }
        out.println(cls + ": " + unit + " (score \u00b1 99.9% error as JMH reports it)");
        printRow(out, headWidth, rowHead, methods.toArray(String[]::new), widths);
        i = 0;
        for (String row : rows.keySet()) {
            printRow(out, headWidth, row, cells[i++], widths);
        }
        out.println();
        if (hasBaseline) {
            boolean perOp = unit != null && unit.endsWith("/op");
            out.println(cls + ": score / " + baseline + " score of the same row ("
                    + (perOp ? "below 1 is faster than " : "above 1 is faster than ") + baseline + ")");
            printRow(out, headWidth, rowHead, methods.toArray(String[]::new), ratioWidths);
            i = 0;
            for (String row : rows.keySet()) {
                printRow(out, headWidth, row, ratios[i++], ratioWidths);
            }
            out.println();
        }
    }

    private static void printRow(PrintStream out, int headWidth, String head, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        line.append(String.format(Locale.ROOT, "%" + headWidth + "s", head));
        for (int j = 0; j < cells.length; j++) {
            line.append("  ").append(String.format(Locale.ROOT, "%" + widths[j] + "s", cells[j]));
        }
        out.println(line);
    }

    private static String scoreWithError(RunResult r) {
        double score = r.getPrimaryResult().getScore();
        double error = r.getPrimaryResult().getScoreError();
        String fmt = Math.abs(score) < 10 ? "%.2f" : Math.abs(score) < 1000 ? "%.1f" : "%.0f";
        String s = String.format(Locale.ROOT, fmt, score);
        return Double.isNaN(error) ? s + " \u00b1 n/a" : s + " \u00b1 " + String.format(Locale.ROOT, fmt, error);
    }

    /** rtmalloc's methods first, then the baseline family (libc), then the rest, each by name. */
    private static int compareMethods(String a, String b) {
        int c = Integer.compare(rank(a), rank(b));
        return c != 0 ? c : a.compareTo(b);
    }

    private static int rank(String method) {
        return method.startsWith("rtmalloc") ? 0 : method.startsWith("libc") ? 1 : 2;
    }

    /** Parameter rows in numeric order where the values are numbers. */
    private static int compareRows(String a, String b) {
        String[] x = a.split(" ");
        String[] y = b.split(" ");
        for (int k = 0; k < Math.min(x.length, y.length); k++) {
            int c;
            try {
                c = Long.compare(Long.parseLong(x[k]), Long.parseLong(y[k]));
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
