package io.rtmalloc.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A JMH profiler ({@code -prof io.rtmalloc.bench.FootprintProfiler}) that turns the
 * figures a workload {@link #record records} during a measurement iteration (its
 * {@link Footprint}, {@link IdleReturn}'s timeline) into secondary results of the
 * benchmark, so that they land in JMH's output and {@code results.json} beside the
 * score. Over iterations and forks each figure keeps its largest value.
 *
 * <p>It runs in the benchmark's JVM; a workload records in its iteration
 * tear-down, which JMH runs before it asks the profilers for their results.
 */
public final class FootprintProfiler implements InternalProfiler {

    /** The figures of the current iteration: label, then value and unit. */
    private static final Map<String, ScalarResult> FIGURES = new ConcurrentHashMap<>();

    /** Records a figure of the current iteration (another value of the same label replaces it). */
    static void record(String label, double value, String unit) {
        FIGURES.put(label, new ScalarResult(label, value, unit, AggregationPolicy.MAX));
    }

    @Override
    public String getDescription() {
        return "rtmalloc-bench: the footprint figures the workloads record, as secondary results";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        FIGURES.clear();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        List<ScalarResult> out = new ArrayList<>(FIGURES.values());
        FIGURES.clear();
        return out;
    }
}
