package io.rtmalloc.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bar charts of a run, drawn with XChart into PNG files: the summary (every
 * workload, each allocator's time relative to the baseline's, log scale), one
 * chart per workload (ns/op by parameter value) and the footprint (bytes held
 * per byte live).
 */
final class Charts {

    private Charts() {
    }

    /**
     * Writes the charts; a machine without the fonts or libraries AWT needs gets
     * none, with the reason printed, and the run goes on.
     */
    static List<Path> write(List<ResultTable.Table> tables, List<ResultTable.Table> all, String baseline,
                            Path dir, String subtitle) {
        List<Path> written = new ArrayList<>();
        try {
            Path summary = summary(tables, baseline, dir, subtitle);
            if (summary != null) {
                written.add(summary);
            }
            for (ResultTable.Table t : tables) {
                written.add(workload(t, dir, subtitle));
            }
            Path fp = footprint(all, dir, subtitle);
            if (fp != null) {
                written.add(fp);
            }
        } catch (IOException | RuntimeException | Error e) { // AWT without its fonts or libraries: AWTError
            System.out.println("Charts not written: " + e);
        }
        return written;
    }

    private static CategoryChart chart(String title, String yTitle, int width, int height) {
        CategoryChart chart = new CategoryChartBuilder().width(width).height(height)
                .title(title).yAxisTitle(yTitle).build();
        CategoryStyler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setPlotGridVerticalLinesVisible(false);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setLegendBorderColor(Color.WHITE);
        s.setOverlapped(false);
        s.setAvailableSpaceFill(0.85);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setXAxisTitleVisible(false);
        return chart;
    }

    private static void addSeries(CategoryChart chart, String name, List<String> x, List<Double> y) {
        CategorySeries s = chart.addSeries(name, x, y); // a null is a missing bar
        if (Allocators.rank(name) < Allocators.values().length) {
            Color c = new Color(Allocators.of(name).colour);
            s.setFillColor(c);
            s.setLineColor(c);
        }
    }

    /**
     * A log axis from the decade below the smallest value to the decade above
     * the largest: XChart starts bars at zero unless the axis has a minimum.
     */
    private static void logAxis(CategoryChart chart, List<List<Double>> values) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (List<Double> l : values) {
            for (Double v : l) {
                if (v != null && v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (max == 0) {
            return;
        }
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
    }

    private static Path save(CategoryChart chart, Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    /** Every workload column, each allocator's score over the baseline's, on a log scale. */
    private static Path summary(List<ResultTable.Table> tables, String baseline, Path dir, String subtitle)
            throws IOException {
        List<String> x = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
        List<ResultTable.Table> withBaseline = tables.stream().filter(t -> t.rows().contains(baseline)).toList();
        if (withBaseline.isEmpty()) {
            return null;
        }
        List<String> rows = new ArrayList<>();
        for (ResultTable.Table t : withBaseline) {
            for (String r : t.rows()) {
                if (!rows.contains(r)) {
                    rows.add(r);
                }
            }
        }
        rows.sort(java.util.Comparator.comparingInt(Allocators::rank));
        for (String r : rows) {
            series.put(r, new ArrayList<>());
        }
        for (ResultTable.Table t : withBaseline) {
            for (String c : t.columns()) {
                x.add(ResultTable.shortLabel(t.workload(), c));
                for (String r : rows) {
                    series.get(r).add(t.ratio(r, c, baseline));
                }
            }
        }
        int width = Math.max(1200, 150 + x.size() * (rows.size() * 7 + 20));
        CategoryChart chart = chart("Time per operation relative to glibc malloc/free through FFM (" + baseline
                + " = 1; lower is faster)", "ratio to " + baseline + " (log scale)", width, 620);
        logAxis(chart, new ArrayList<>(series.values()));
        chart.getStyler().setXAxisLabelRotation(x.size() > 10 ? 45 : 0);
        chart.setXAxisTitle(subtitle);
        chart.getStyler().setXAxisTitleVisible(true);
        for (var e : series.entrySet()) {
            addSeries(chart, e.getKey(), x, e.getValue());
        }
        return save(chart, dir, "summary");
    }

    /** One workload: the score of each allocator per parameter value, on a log scale. */
    private static Path workload(ResultTable.Table t, Path dir, String subtitle) throws IOException {
        List<String> x = new ArrayList<>(t.columns());
        int width = Math.max(1100, 300 + x.size() * (t.rows().size() * 9 + 30));
        CategoryChart chart = chart(t.workload() + ": " + t.unit() + " (lower is faster)",
                t.unit() + " (log scale)", width, 560);
        chart.setXAxisTitle(subtitle);
        chart.getStyler().setXAxisTitleVisible(true);
        List<List<Double>> all = new ArrayList<>();
        for (String r : t.rows()) {
            List<Double> y = new ArrayList<>();
            for (String c : t.columns()) {
                y.add(t.score(r, c));
            }
            all.add(y);
            addSeries(chart, r, x, y);
        }
        logAxis(chart, all);
        return save(chart, dir, t.workload());
    }

    /** Resident bytes of the mappings holding the live blocks, per byte live. */
    private static Path footprint(List<ResultTable.Table> tables, Path dir, String subtitle) throws IOException {
        List<String> x = new ArrayList<>();
        Map<String, Map<String, Double>> series = new TreeMap<>(java.util.Comparator.comparingInt(Allocators::rank)
                .thenComparing(java.util.Comparator.naturalOrder()));
        for (ResultTable.Table t : tables) {
            for (String c : t.columns()) {
                String label = ResultTable.shortLabel(t.workload(), c);
                for (String r : t.rows()) {
                    Double live = ResultTable.figure(t.get(r, c), Footprint.LIVE);
                    Double rss = ResultTable.figure(t.get(r, c), Footprint.RSS);
                    if (live != null && rss != null && live > 0) {
                        if (!x.contains(label)) {
                            x.add(label);
                        }
                        series.computeIfAbsent(r, k -> new LinkedHashMap<>()).put(label, rss / live);
                    }
                }
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        CategoryChart chart = chart("Footprint: resident bytes of the mappings holding the live blocks, per byte live",
                "Rss / live", Math.max(1100, 300 + x.size() * 160), 520);
        chart.setXAxisTitle(subtitle);
        chart.getStyler().setXAxisTitleVisible(true);
        for (var e : series.entrySet()) {
            addSeries(chart, e.getKey(), x, x.stream().map(e.getValue()::get).toList());
        }
        return save(chart, dir, "footprint");
    }
}
