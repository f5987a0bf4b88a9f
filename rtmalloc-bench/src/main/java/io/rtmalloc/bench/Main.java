package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs the workloads through JMH with one of three profiles, each a set of JMH
 * options, then prints a table per workload of the scores with their ratios to
 * {@code libc_ffm} measured in the same run, a summary, the footprint that
 * {@link FootprintProfiler} recorded, and writes JMH's JSON and charts (PNG).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED -cp benchmarks.jar io.rtmalloc.bench.Main
 *      [--quick|--full|--smoke] [--out DIR] [JMH options] [workload regex...]
 * </pre>
 *
 * <p>Every other argument is a JMH command-line option and wins over the
 * profile's value of the same option ({@code -f 2}, {@code -i 10},
 * {@code -p allocator=libc_ffm,rtmalloc_percpu}, {@code -t 4}). A regex runs the
 * workloads whose name or benchmark it matches, with all their parameters. Each
 * workload is one JMH run, so that it runs only the allocators it declares;
 * native allocators that cannot be loaded are left out, with the reason printed.
 */
public final class Main {

    /**
     * JVM options of every forked benchmark JVM. JMH forks start {@code java -cp}, so the
     * jar manifest's {@code Enable-Native-Access} does not apply to them. The Unsafe option
     * allows the deprecated memory-access methods without JDK 25's warning: JMH's harness
     * calls them, and Netty uses them for its fastest paths. Apache Arrow reads
     * {@code java.nio} internals, hence the {@code --add-opens}.
     */
    static final List<String> FORK_JVM_ARGS = List.of(
            "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow",
            "--add-opens=java.base/java.nio=ALL-UNNAMED");

    /** A profile: JMH options for every workload, and the thread counts of thread_scalability. */
    enum Profile {
        QUICK("-f 1 -wi 1 -w 400ms -i 3 -r 150ms", 1, 8),
        FULL("-f 2 -wi 3 -w 1s -i 5 -r 1s", 1, 2, 4, 8),
        /** Every benchmark once, in this JVM, to prove they run: the numbers mean nothing. */
        SMOKE("-f 0 -wi 0 -w 10ms -i 1 -r 10ms", 2);

        final List<String> args;
        final int[] threads;

        Profile(String args, int... threads) {
            this.args = List.of(args.split(" "));
            this.threads = threads;
        }

        String describe() {
            return String.join(" ", args);
        }
    }

    /**
     * A workload: its benchmark class, the JMH options of the quick profile (null: not in it)
     * and of the smoke profile (null: the quick one's), whether the quick profile runs every
     * allocator it declares, and the allocator its ratios are to.
     */
    record Workload(String name, Class<?> benchmark, String quick, String smoke, boolean allInQuick,
                    String baseline) {

        Workload(String name, Class<?> benchmark, String quick) {
            this(name, benchmark, quick, null, false, "libc_ffm");
        }

        /** The JMH names of the benchmarks of its class (a group's name for a group's methods). */
        List<String> benchmarkNames() {
            return Arrays.stream(benchmark.getMethods()).filter(m -> m.isAnnotationPresent(Benchmark.class))
                    .map(m -> benchmark.getName() + "." + (m.isAnnotationPresent(Group.class)
                            ? m.getAnnotation(Group.class).value() : m.getName()))
                    .distinct().toList();
        }

        /** Every benchmark of its class, unless one of them has the workload's name. */
        String regex() {
            String one = benchmark.getName() + "." + name;
            return benchmarkNames().contains(one) ? "^" + Pattern.quote(one) + "$"
                    : "^" + Pattern.quote(benchmark.getName()) + "\\.";
        }

        /** The parameter fields of its class. */
        List<Field> params() {
            return Arrays.stream(benchmark.getFields()).filter(f -> f.isAnnotationPresent(Param.class)).toList();
        }

        List<String> declared(String param) {
            return params().stream().filter(f -> f.getName().equals(param))
                    .flatMap(f -> Arrays.stream(f.getAnnotation(Param.class).value())).toList();
        }

        boolean singleShot() {
            BenchmarkMode mode = benchmark.getAnnotation(BenchmarkMode.class);
            return mode != null && Arrays.asList(mode.value()).contains(Mode.SingleShotTime);
        }
    }

    static final List<Workload> WORKLOADS = List.of(
            new Workload("single_alloc_dealloc", SingleAllocDealloc.class, "-p size=64", null, true, "libc_ffm"),
            new Workload("sized_free", SizedFree.class, "-p size=64", null, true, "libc_ffm"),
            new Workload("arena_scoped", ArenaScoped.class, "-p count=1,8 -p size=48,64", "-p count=8 -p size=48",
                    false, "libc_ffm"),
            new Workload("segment_pair", SegmentPair.class, "", null, true, "libc_ffm"),
            new Workload("arena_long_lived", ArenaLongLived.class, ""),
            new Workload("batch_1000", Batch1000.class, "-p size=64"),
            new Workload("churn", Churn.class, "-p size=256"),
            new Workload("realloc_growth", ReallocGrowth.class, ""),
            new Workload("mixed_sizes", MixedSizes.class, "-p maxSize=1024"),
            new Workload("producer_consumer", ProducerConsumer.class, "-p size=64"),
            new Workload("larson", Larson.class, ""),
            new Workload("thread_scalability", ThreadScalability.class, ""),
            new Workload("virtual_threads", VirtualThreads.class, "-p pairs=256", "-p pairs=16", false, "libc_ffm"),
            new Workload("cpu_number", CpuNumber.class, null),
            new Workload("stats_cost", StatsCost.class, null),
            // Release on and off: long runs (the release thread wakes once a second), so not in quick.
            new Workload("release", ReleaseLatency.class, null),
            // One invocation of half a minute per allocator and fork: not in quick.
            new Workload("idle_return", IdleReturn.class, null, "-p peakMiB=16 -p seconds=1", false, "libc_ffm"),
            new Workload("arrow_buf", ArrowBuffers.class, "-p size=64", null, false, "arrow_unsafe"),
            new Workload("arrow_buf_1024_live", ArrowBuffers.class, null, "-p size=64", false, "arrow_unsafe"),
            new Workload("netty_buf", NettyBuffers.class, "-p size=64", null, false, "netty_pooled"),
            new Workload("netty_buf_cross_thread", NettyBuffers.class, null, "-p size=64", false, "netty_pooled"));

    /** JMH's options that take no value; every other option is followed by one. */
    private static final Set<String> FLAGS = Set.of("-h", "-l", "-lp", "-lprof", "-lrf");

    private Main() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        Profile profile = Profile.QUICK;
        Path out = Path.of("target", "bench");
        List<String> options = new ArrayList<>();
        List<String> regexes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> profile = Profile.QUICK;
                case "--full" -> profile = Profile.FULL;
                case "--smoke" -> profile = Profile.SMOKE;
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    if (!a.startsWith("-")) {
                        regexes.add(a);
                    } else {
                        options.add(a);
                        if (!FLAGS.contains(a) && i + 1 < args.length) {
                            options.add(args[++i]);
                        }
                    }
                }
            }
        }
        CommandLineOptions cmd = parse(options);
        if (cmd.shouldHelp()) {
            help(cmd);
        } else if (cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            new Runner(cmd).list();
        } else {
            System.exit(run(profile, options, regexes, out.toAbsolutePath()));
        }
    }

    private static CommandLineOptions parse(List<String> args) {
        try {
            return new CommandLineOptions(args.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            System.err.println("Bad JMH option: " + e.getMessage());
            System.exit(2);
            throw new AssertionError(e);
        }
    }

    private static void help(CommandLineOptions cmd) {
        System.out.println("Usage: [--quick|--full|--smoke] [--out DIR] [JMH options] [workload regex...]");
        for (Profile p : Profile.values()) {
            System.out.printf("  --%-6s JMH %s%s%n", p.name().toLowerCase(java.util.Locale.ROOT), p.describe(),
                    p == Profile.QUICK ? " (the default; one size per workload, some allocators)"
                    : p == Profile.SMOKE ? " (every allocator of every workload once; numbers not meaningful)"
                    : " (every workload, size and allocator)");
        }
        System.out.println("  --out    where results.json and the charts go (default target/bench)");
        System.out.println();
        System.out.println("Workloads (a regex matching the name or the benchmark selects them, e.g. 'churn|mixed'):");
        for (Workload w : WORKLOADS) {
            String bench = w.regex().replaceAll("\\\\[QE]|[$^]", "").replace("\\.", ".*");
            System.out.println("  " + w.name() + "  (" + bench + (w.quick() != null ? "" : "; not in quick") + ")");
        }
        System.out.println("Allocators: " + Arrays.stream(Allocators.values()).map(a -> a.id).toList());
        System.out.println();
        System.out.println("JMH options:");
        try {
            cmd.showHelp();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static int run(Profile profile, List<String> options, List<String> regexes, Path out) {
        PrintStream console = System.out;
        console.println("# rtmalloc-bench, " + profile.name().toLowerCase(java.util.Locale.ROOT)
                + " profile: JMH " + profile.describe());
        console.println("# machine: " + Machine.describe());
        // The native peers: loaded here as the benchmark JVMs will load them, or left out with the reason.
        List<String> absent = new ArrayList<>();
        List<String> forkArgs = new ArrayList<>(FORK_JVM_ARGS);
        for (Natives.Lib lib : Natives.Lib.values()) {
            String why = Natives.unavailable(lib);
            List<String> ids = Arrays.stream(Allocators.values()).filter(a -> a.library == lib).map(a -> a.id).toList();
            if (why == null) {
                console.println("# peer: " + String.join(", ", ids) + " (" + lib.location() + ", critical downcalls)");
                forkArgs.add("-D" + lib.property() + "=" + lib.location());
            } else {
                console.println("# skipped: " + String.join(", ", ids) + " (" + why + ")");
                absent.addAll(ids);
            }
        }
        List<RunResult> results = new ArrayList<>();
        for (Workload w : WORKLOADS) {
            if (regexes.isEmpty() ? profile == Profile.QUICK && w.quick() == null
                    : regexes.stream().map(Pattern::compile).noneMatch(p -> p.matcher(w.name()).find()
                    || w.benchmarkNames().stream().anyMatch(n -> p.matcher(n).find()))) {
                continue;
            }
            for (int threads : w.benchmark() == ThreadScalability.class && !options.contains("-t")
                    ? profile.threads : new int[] {0}) {
                OptionsBuilder b = options(w, profile, options, !regexes.isEmpty(), absent, forkArgs);
                if (b == null) {
                    break;
                }
                if (threads > 0) {
                    b.threads(threads);
                }
                try {
                    results.addAll(new Runner(b.build()).run());
                } catch (RunnerException e) {
                    System.err.println("Benchmark run failed (" + w.name() + "): " + e.getMessage());
                    return 1;
                }
            }
        }
        if (results.isEmpty()) {
            System.err.println("Nothing ran: no workload matches " + regexes + ", or its allocators are absent;"
                    + " the workloads are " + WORKLOADS.stream().map(Workload::name).toList());
            return 1;
        }
        console.println();
        List<ResultTable.Table> tables = ResultTable.tables(results);
        ResultTable.print(tables, console);
        // A single-shot score (idle_return: the length of its wait) compares nothing: no summary, no chart.
        List<ResultTable.Table> scored = tables.stream().filter(t -> !ResultTable.singleShot(t)).toList();
        if (scored.stream().mapToInt(t -> t.columns().size()).sum() <= 14) {
            ResultTable.printSummary(scored, "libc_ffm", console);
        }
        ResultTable.printPercentiles(tables, console);
        ResultTable.printFootprint(tables, console);
        IdleTimeline.print(results, console);
        try {
            Files.createDirectories(out);
            Path json = out.resolve("results.json");
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(results);
            String ran = profile.name().toLowerCase(java.util.Locale.ROOT) + " profile: JMH " + profile.describe()
                    + (options.isEmpty() ? "" : " " + String.join(" ", options));
            Files.writeString(out.resolve("machine.txt"), Machine.describe() + "\n" + ran + "\n",
                    StandardCharsets.UTF_8);
            console.println("JMH results (footprint: secondary results " + Footprint.LIVE + " ...): " + json);
            for (Path chart : Charts.write(scored, tables, "libc_ffm", out, Machine.describe(false) + "; " + ran)) {
                console.println("Chart: " + chart);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Cannot write the results to " + out + ": " + e);
            return 1;
        }
        if (profile == Profile.SMOKE) {
            console.println("Smoke run: every benchmark ran once, briefly and unforked; do not read the numbers.");
        }
        return 0;
    }

    /**
     * The JMH options of one workload: the command line's, then the workload's own for
     * the profile, then the profile's, each only where the ones before set nothing; its
     * allocators; the footprint profiler; the benchmark JVMs' options. Null when none of
     * its allocators can run here.
     */
    static OptionsBuilder options(Workload w, Profile profile, List<String> user, boolean userSelected,
                                  List<String> absent, List<String> forkArgs) {
        List<String> args = new ArrayList<>(user);
        String own = profile == Profile.SMOKE && w.smoke() != null ? w.smoke() : w.quick();
        if (profile != Profile.FULL && !userSelected && own != null && !own.isEmpty()) {
            addUnset(args, List.of(own.split(" ")));
        }
        if (w.singleShot()) {
            addUnset(args, List.of("-wi", "0", "-i", "1"));
        }
        addUnset(args, profile.args);
        if (profile == Profile.SMOKE && !userSelected) { // once: the first value of every other parameter
            for (Field f : w.params().stream().filter(f -> !f.getName().equals("allocator")).toList()) {
                addUnset(args, List.of("-p", f.getName() + "=" + f.getAnnotation(Param.class).value()[0]));
            }
        }
        addUnset(args, List.of("-foe", "true")); // a broken allocator (a leak found at teardown) fails the run
        CommandLineOptions cmd = parse(args);
        OptionsBuilder b = new OptionsBuilder();
        b.parent(cmd).include(w.regex()).addProfiler(FootprintProfiler.class);
        List<String> declared = w.declared("allocator");
        if (!declared.isEmpty()) {
            List<String> allocators = new ArrayList<>(cmd.getParameter("allocator").orElse(declared));
            allocators.retainAll(declared); // a workload runs only the allocators it declares
            if (profile == Profile.QUICK && !userSelected && !w.allInQuick()) {
                allocators.removeIf(a -> !Allocators.of(a).quick);
            }
            allocators.removeAll(absent);
            if (allocators.isEmpty()) {
                return null;
            }
            b.param("allocator", allocators.toArray(String[]::new));
        }
        // JMH's forks otherwise inherit this JVM's options; give them ours, after -jvmArgs if it is set.
        if (cmd.getJvmArgs().hasValue()) {
            b.jvmArgsPrepend(forkArgs.toArray(String[]::new));
        } else {
            b.jvmArgs(forkArgs.toArray(String[]::new));
        }
        return b;
    }

    /** Appends the option-value pairs of {@code more} whose option (or parameter) {@code args} lacks. */
    private static void addUnset(List<String> args, List<String> more) {
        for (int i = 0; i + 1 < more.size(); i += 2) {
            String option = more.get(i);
            String value = more.get(i + 1);
            boolean set = false;
            for (int j = 0; j + 1 < args.size(); j++) {
                if (args.get(j).equals(option) && (!option.equals("-p")
                        || args.get(j + 1).startsWith(value.substring(0, value.indexOf('=') + 1)))) {
                    set = true;
                }
            }
            if (!set) {
                args.add(option);
                args.add(value);
            }
        }
    }
}
