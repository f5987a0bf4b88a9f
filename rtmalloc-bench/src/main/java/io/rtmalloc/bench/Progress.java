package io.rtmalloc.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;

/**
 * JMH's output, one line per benchmark: its number, workload, parameters and
 * allocator, a dot per iteration, then the score and an estimate of the time
 * left. JMH's own chatter (lines starting with "# ") is left out; everything
 * else, such as a benchmark's error, is passed through. {@code -v NORMAL}
 * gives JMH's full output instead.
 */
final class Progress implements OutputFormat {

    private final PrintStream out;
    private final int total;
    private final long start = System.nanoTime();
    private int done;
    private boolean midLine;

    Progress(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    long elapsedNanos() {
        return System.nanoTime() - start;
    }

    static String minutes(long nanos) {
        long s = Math.round(nanos / 1e9);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    static String label(BenchmarkParams params) {
        String bench = params.getBenchmark();
        StringBuilder sb = new StringBuilder(bench.substring(bench.lastIndexOf('.') + 1));
        String allocator = null;
        for (String k : params.getParamsKeys()) {
            if (k.equals("allocator")) {
                allocator = params.getParam(k);
            } else {
                sb.append(' ').append(k).append('=').append(params.getParam(k));
            }
        }
        if (params.getThreads() > 1 && params.getThreadGroupLabels().size() <= 1) {
            sb.append(" threads=").append(params.getThreads());
        }
        if (allocator != null) {
            sb.append(' ').append(allocator);
        }
        return sb.toString();
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        done++;
        String count = String.valueOf(total);
        out.print(String.format(Locale.ROOT, "[%" + count.length() + "d/%s] %-58s ", done, count, label(params)));
        out.flush();
        midLine = true;
    }

    @Override
    public void iteration(BenchmarkParams benchmarkParams, IterationParams params, int iteration) {
        out.print('.');
        out.flush();
    }

    @Override
    public void iterationResult(BenchmarkParams benchmarkParams, IterationParams params, int iteration,
                                IterationResult data) {
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        if (result == null) {
            out.println(" failed");
        } else {
            Result<?> r = result.getPrimaryResult();
            long elapsed = elapsedNanos();
            long left = done >= total ? 0 : elapsed / done * (total - done);
            out.println(String.format(Locale.ROOT, " %s %s  (%s left)", ResultTable.scoreWithError(r),
                    r.getScoreUnit(), minutes(left)));
        }
        midLine = false;
        out.flush();
    }

    @Override
    public void startRun() {
    }

    @Override
    public void endRun(Collection<RunResult> result) {
    }

    @Override
    public void print(String s) {
        if (!s.startsWith("# ") && !s.isBlank()) {
            out.print(s);
        }
    }

    @Override
    public void println(String s) {
        if (s.startsWith("# ") || s.isBlank()) {
            return;
        }
        if (midLine) {
            out.println();
            midLine = false;
        }
        out.println(s);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }

    @Override
    public void verbosePrintln(String s) {
    }

    @Override
    public void write(int b) {
        out.write(b);
    }

    @Override
    public void write(byte[] b) {
        out.write(b, 0, b.length);
    }
}
