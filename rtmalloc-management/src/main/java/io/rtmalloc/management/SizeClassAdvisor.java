package io.rtmalloc.management;

import io.rtmalloc.AllocationHistogram;
import io.rtmalloc.AllocationHistogram.Snapshot;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClass;
import io.rtmalloc.toml.TomlConfig;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The size classes that would waste least on a recorded workload: the
 * profile-guided loop of rtmalloc. Record a workload with
 * {@code -Drtmalloc.histogram=true} (the {@link AllocationHistogram} of
 * {@link io.rtmalloc.Allocator#histogram()}), call {@link #exportToml} and start
 * the next run with the file it writes ({@code -Drtmalloc.config=path}).
 *
 * <p>The optimiser ({@link #optimalLayout}) starts from one class per bucket
 * with requests and merges the adjacent pair that adds the fewest wasted bytes,
 * as long as the merged class stays within the waste limit, until at most
 * {@code maxClasses} remain; the exporter ({@link #exportToml}) writes the
 * result as a complete configuration file.
 */
public final class SizeClassAdvisor {

    private SizeClassAdvisor() {
    }

    /**
     * The fewest bucket sizes that together cover at least {@code coverage}
     * (0 to 1) of the requests counted in buckets, most frequent first;
     * returned ascending.
     *
     * @param snapshot the recorded counts
     * @param coverage the share of requests to cover, from 0 to 1
     * @return the bucket sizes, ascending
     * @throws IllegalArgumentException if {@code coverage} is not in [0, 1]
     */
    public static List<Integer> suggestClasses(Snapshot snapshot, double coverage) {
        long[] buckets = snapshot.buckets();
        if (!(coverage >= 0 && coverage <= 1)) {
            throw new IllegalArgumentException("coverage must be in [0, 1]: " + coverage);
        }
        List<Integer> order = new ArrayList<>();
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] > 0) {
                order.add(b);
            }
        }
        order.sort(Comparator.<Integer>comparingLong(b -> buckets[b]).reversed().thenComparing(b -> b));
        long need = (long) Math.ceil(coverage * snapshot.total());
        long covered = 0;
        List<Integer> sizes = new ArrayList<>();
        for (int b : order) {
            if (covered >= need) {
                break;
            }
            covered += buckets[b];
            int size = Snapshot.sizeOf(b);
            if (!sizes.contains(size)) {
                sizes.add(size);
            }
        }
        sizes.sort(null);
        return sizes;
    }

    /**
     * A class layout for the recorded requests: one class per observed bucket,
     * then, while there are more than {@code maxClasses}, the adjacent pair
     * whose merge adds the least waste is merged (the smaller class's requests
     * move up to the larger class), never letting a class's waste exceed
     * {@code maxWastePct} percent of the bytes it reserves. Waste is counted
     * against each bucket's largest request, so it is a lower bound of the
     * real one by less than 8 bytes per request.
     *
     * @param snapshot    the recorded counts
     * @param maxClasses  the most classes wanted, at least 1
     * @param maxWastePct the most waste, in percent of its reserved bytes, a merge may leave in a class
     * @return the layout
     * @throws IllegalArgumentException if {@code maxClasses < 1} or {@code maxWastePct} is negative
     */
    public static Layout optimalLayout(Snapshot snapshot, int maxClasses, double maxWastePct) {
        long[] buckets = snapshot.buckets();
        if (maxClasses < 1) {
            throw new IllegalArgumentException("maxClasses must be >= 1: " + maxClasses);
        }
        if (!(maxWastePct >= 0)) {
            throw new IllegalArgumentException("maxWastePct must be >= 0: " + maxWastePct);
        }
        // Each class: its size, requests, and requested bytes (at bucket sizes).
        List<long[]> classes = new ArrayList<>(); // {size, count, requestedBytes}
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] > 0) {
                int size = Snapshot.sizeOf(b);
                if (!classes.isEmpty() && classes.getLast()[0] == size) {
                    long[] last = classes.getLast();
                    last[1] += buckets[b];
                    last[2] += buckets[b] * (long) size;
                } else {
                    classes.add(new long[] {size, buckets[b], buckets[b] * (long) size});
                }
            }
        }
        while (classes.size() > maxClasses) {
            int best = -1;
            double bestAdded = Double.MAX_VALUE;
            for (int i = 0; i + 1 < classes.size(); i++) {
                long[] lo = classes.get(i);
                long[] hi = classes.get(i + 1);
                double added = (double) lo[1] * (hi[0] - lo[0]);
                long reserved = (lo[1] + hi[1]) * hi[0];
                double wastePct = 100.0 * (reserved - lo[2] - hi[2]) / reserved;
                if (wastePct <= maxWastePct && added < bestAdded) {
                    bestAdded = added;
                    best = i;
                }
            }
            if (best < 0) {
                break; // no merge keeps every class within maxWastePct
            }
            long[] lo = classes.remove(best);
            long[] hi = classes.get(best);
            hi[1] += lo[1];
            hi[2] += lo[2];
        }
        List<Integer> sizes = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        long requests = 0;
        long requested = 0;
        long reserved = 0;
        for (long[] c : classes) {
            sizes.add((int) c[0]);
            counts.add(c[1]);
            requests += c[1];
            requested += c[2];
            reserved += c[1] * c[0];
        }
        return new Layout(sizes, counts, requests == 0 ? 0 : (double) (reserved - requested) / requests,
                requested == 0 ? 1 : (double) reserved / requested, classes.size() <= maxClasses);
    }

    /**
     * A proposed class layout.
     *
     * @param classSizes          class sizes, ascending
     * @param requests            requests each class would serve
     * @param averageWaste        bytes wasted per request (class size minus request, at bucket sizes)
     * @param fragmentation       bytes reserved by classes over bytes requested ({@code >= 1})
     * @param withinMaxClasses    false when no further merge kept every class within the waste limit
     */
    public record Layout(List<Integer> classSizes, List<Long> requests, double averageWaste,
                         double fragmentation, boolean withinMaxClasses) {
        /**
         * Copies the lists.
         *
         * @param classSizes       class sizes, ascending
         * @param requests         requests each class would serve
         * @param averageWaste     bytes wasted per request
         * @param fragmentation    bytes reserved over bytes requested
         * @param withinMaxClasses false when no further merge kept the waste limit
         */
        public Layout {
            classSizes = List.copyOf(classSizes);
            requests = List.copyOf(requests);
        }
    }


    /**
     * A complete configuration file for the recorded workload: the knobs of
     * {@code base}, the classes of {@link #optimalLayout} up to
     * {@link AllocationHistogram#MAX_SIZE}, then {@code base}'s classes above the largest of
     * them (requests beyond the histogram's range keep their classes).
     *
     * @param snapshot    the recorded counts
     * @param base        the configuration whose knobs, and classes above the histogram, are kept
     * @param maxClasses  the most classes up to {@link AllocationHistogram#MAX_SIZE}
     * @param maxWastePct the most waste, in percent, a merge may leave in a class
     * @return the configuration file
     * @throws IllegalArgumentException if the result would have more than
     *         {@link Config#MAX_CLASSES} classes (ask for fewer)
     */
    public static String exportToml(Snapshot snapshot, Config base, int maxClasses, double maxWastePct) {
        Layout layout = optimalLayout(snapshot, maxClasses, maxWastePct);
        List<Integer> sizes = new ArrayList<>(layout.classSizes());
        int largest = sizes.isEmpty() ? 0 : sizes.getLast();
        for (SizeClass c : base.classes()) {
            if (c.size() > largest) {
                sizes.add(c.size());
            }
        }
        if (sizes.size() > Config.MAX_CLASSES) {
            throw new IllegalArgumentException(sizes.size() + " classes: more than " + Config.MAX_CLASSES
                    + "; ask for fewer than " + maxClasses);
        }
        StringBuilder toml = new StringBuilder();
        toml.append(String.format(Locale.ROOT, "# rtmalloc size classes proposed from %d recorded requests%n",
                snapshot.total() + snapshot.overflow()));
        toml.append(String.format(Locale.ROOT, "# layout: %d classes up to %d bytes, %.2f bytes wasted per request, "
                + "fragmentation %.4f%n", layout.classSizes().size(), largest, layout.averageWaste(),
                layout.fragmentation()));
        Config.Builder b = base.toBuilder().clearClasses();
        sizes.forEach(b::addClass);
        String body = TomlConfig.write(b.build());
        toml.append(body.substring(body.indexOf('\n') + 1)); // drop its "written from" line
        return toml.toString();
    }

    /**
     * {@link #exportToml(Snapshot, Config, int, double)} of what {@code histogram}
     * has recorded so far, over the default configuration.
     *
     * @param histogram   the recorder, such as {@link io.rtmalloc.Allocator#histogram()}
     * @param maxClasses  the most classes up to {@link AllocationHistogram#MAX_SIZE}
     * @param maxWastePct the most waste, in percent, a merge may leave in a class
     * @return the configuration file
     */
    public static String exportToml(AllocationHistogram histogram, int maxClasses, double maxWastePct) {
        return exportToml(histogram.snapshot(), Config.defaults(), maxClasses, maxWastePct);
    }

    /**
     * A report: the buckets with requests, the suggested layout with its waste,
     * and a TOML snippet of its classes.
     *
     * @param s           the recorded counts
     * @param maxClasses  the most classes of the suggested layout
     * @param maxWastePct the most waste, in percent, a merge may leave in a class
     * @return the report
     */
    public static String report(Snapshot s, int maxClasses, double maxWastePct) {
        StringBuilder out = new StringBuilder();
        long total = s.total();
        out.append(String.format(Locale.ROOT, "Allocation histogram: %d requests up to %d bytes, %d above%n",
                total, AllocationHistogram.MAX_SIZE, s.overflow()));
        out.append(String.format(Locale.ROOT, "%12s %12s %8s %8s%n", "bytes", "requests", "share", "cumul."));
        long cumulative = 0;
        long[] counts = s.buckets();
        for (int b = 0; b < counts.length; b++) {
            long c = counts[b];
            if (c == 0) {
                continue;
            }
            cumulative += c;
            String range = b == 0 ? "0" : (8 * (b - 1) + 1) + "-" + 8 * b;
            out.append(String.format(Locale.ROOT, "%12s %12d %7.2f%% %7.2f%%%n", range, c,
                    100.0 * c / total, 100.0 * cumulative / total));
        }
        Layout l = optimalLayout(s, maxClasses, maxWastePct);
        out.append(String.format(Locale.ROOT, "%nSuggested layout (at most %d classes, at most %.1f%% waste per class):%n",
                maxClasses, maxWastePct));
        out.append(String.format(Locale.ROOT, "%8s %12s%n", "class", "requests"));
        for (int i = 0; i < l.classSizes().size(); i++) {
            out.append(String.format(Locale.ROOT, "%8d %12d%n", l.classSizes().get(i), l.requests().get(i)));
        }
        out.append(String.format(Locale.ROOT, "average waste %.2f bytes per request, fragmentation %.4f%s%n",
                l.averageWaste(), l.fragmentation(),
                l.withinMaxClasses() ? "" : " (more classes than asked: no merge kept the waste limit)"));
        out.append("\nTOML:\nclasses = ").append(l.classSizes()).append('\n');
        return out.toString();
    }

    /**
     * Prints {@link #report} of what {@code histogram} has recorded so far.
     *
     * @param histogram   the recorder
     * @param out         where to print
     * @param maxClasses  the most classes of the suggested layout
     * @param maxWastePct the most waste, in percent, a merge may leave in a class
     */
    public static void printReport(AllocationHistogram histogram, PrintStream out, int maxClasses,
                                   double maxWastePct) {
        out.print(report(histogram.snapshot(), maxClasses, maxWastePct));
    }
}
