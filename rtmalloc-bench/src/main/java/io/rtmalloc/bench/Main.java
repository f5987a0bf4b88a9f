package io.rtmalloc.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Runs the benchmarks through JMH's Java API with one of three profiles, then
 * prints a table of the scores and of their ratios to {@code libc_ffm} measured
 * in the same run.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar io.rtmalloc.bench.Main [--quick|--full|--smoke] [JMH options] [regex...]
 * </pre>
 *
 * <p>Every other argument is a JMH command-line option and wins over the
 * profile's value of the same setting (so {@code -f 2} or {@code -i 10} work).
 */
public final class Main {

    /**
     * JVM options of every forked benchmark JVM. JMH forks start {@code java -cp}, so the
     * jar manifest's {@code Enable-Native-Access} does not apply to them. The last one only
     * silences JDK 25's warning about JMH's own (harness-side) use of {@code sun.misc.Unsafe}.
     */
    static final List<String> FORK_JVM_ARGS = List.of(
            "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow");

    /** Forks, warmup iterations x time, measurement iterations x time. */
    record Profile(String name, String include, int forks, int warmups, TimeValue warmupTime,
                   int iterations, TimeValue iterationTime) {
    }

    /** Every benchmark of this module. */
    static final String ALL = "io\\.rtmalloc\\.bench\\..*";

    /** The quick profile: the malloc+free pair for each front end beside the alternatives. */
    static final Profile QUICK = new Profile("quick",
            "io\\.rtmalloc\\.bench\\.MallocFreePair\\.(rtmalloc_global|rtmalloc_threadcache|rtmalloc_threadcache_bound"
                    + "|rtmalloc_percpu|libc_ffm|libc_ffm_critical|arena_confined)$",
            1, 2, TimeValue.milliseconds(400), 3, TimeValue.milliseconds(500));
    static final Profile FULL = new Profile("full", ALL, 3,
            5, TimeValue.seconds(2), 5, TimeValue.seconds(2));
    /** Every benchmark once, in this JVM, to prove they run: the numbers mean nothing. */
    static final Profile SMOKE = new Profile("smoke", ALL, 0,
            0, TimeValue.milliseconds(50), 1, TimeValue.milliseconds(50));

    private Main() {
    }

    public static void main(String[] args) {
        Profile profile = QUICK;
        List<String> jmhArgs = new ArrayList<>();
        for (String arg : args) {
            switch (arg) {
                case "--quick" -> profile = QUICK;
                case "--full" -> profile = FULL;
                case "--smoke" -> profile = SMOKE;
                default -> jmhArgs.add(arg);
            }
        }
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            System.err.println("Bad JMH option: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (cmd.shouldHelp()) {
            System.out.println("Usage: [--quick|--full|--smoke] [JMH options] [benchmark regex...]");
            System.out.println("  --quick  (default) " + describe(QUICK));
            System.out.println("  --full   " + describe(FULL));
            System.out.println("  --smoke  " + describe(SMOKE) + " (in this JVM; numbers not meaningful)");
            System.out.println();
            System.out.println("JMH options:");
            try {
                cmd.showHelp();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return;
        }

        Options options = withProfile(cmd, profile);
        Runner runner = new Runner(options);
        if (cmd.shouldList() || cmd.shouldListWithParams()) {
            runner.list();
            return;
        }
        System.out.println("# rtmalloc-bench profile: " + profile.name() + " (" + describe(profile) + ")");
        Collection<RunResult> results;
        try {
            results = runner.run();
        } catch (RunnerException e) {
            System.err.println("Benchmark run failed: " + e.getMessage());
            Throwable cause = e.getCause();
            if (cause != null) {
                cause.printStackTrace();
            }
            System.exit(1);
            return;
        }
        System.out.println();
        ResultTable.print(results, "libc_ffm", System.out);
        if (options.getResult().hasValue()) {
            System.out.println("JMH results: " + options.getResult().get()
                    + " (" + options.getResultFormat().orElse(ResultFormatType.CSV) + ")");
        }
        if (profile == SMOKE) {
            System.out.println("Smoke run: every benchmark ran once, briefly and unforked; do not read the numbers.");
        }
    }

    static String describe(Profile p) {
        return (p.forks() == 0 ? "no fork" : p.forks() + (p.forks() == 1 ? " fork" : " forks"))
                + ", " + p.warmups() + " x " + p.warmupTime() + " warmup, "
                + p.iterations() + " x " + p.iterationTime() + " measurement";
    }

    /** The command-line options, with the profile's values where the command line sets none. */
    static Options withProfile(CommandLineOptions cmd, Profile p) {
        OptionsBuilder b = new OptionsBuilder();
        b.parent(cmd);
        if (cmd.getIncludes().isEmpty()) {
            b.include(p.include());
        }
        if (!cmd.getForkCount().hasValue()) {
            b.forks(p.forks());
        }
        if (!cmd.getWarmupIterations().hasValue()) {
            b.warmupIterations(p.warmups());
        }
        if (!cmd.getWarmupTime().hasValue()) {
            b.warmupTime(p.warmupTime());
        }
        if (!cmd.getMeasurementIterations().hasValue()) {
            b.measurementIterations(p.iterations());
        }
        if (!cmd.getMeasurementTime().hasValue()) {
            b.measurementTime(p.iterationTime());
        }
        if (!cmd.shouldFailOnError().hasValue()) {
            b.shouldFailOnError(true); // a broken allocator (a leak found at teardown) fails the run
        }
        // JMH's forks otherwise inherit this JVM's options; give them ours, unless -jvmArgs says otherwise.
        if (cmd.getJvmArgs().hasValue()) {
            List<String> append = new ArrayList<>(FORK_JVM_ARGS);
            if (cmd.getJvmArgsAppend().hasValue()) {
                append.addAll(cmd.getJvmArgsAppend().get());
            }
            b.jvmArgsAppend(append.toArray(String[]::new));
        } else {
            b.jvmArgs(FORK_JVM_ARGS.toArray(String[]::new));
        }
        return b.build();
    }
}
