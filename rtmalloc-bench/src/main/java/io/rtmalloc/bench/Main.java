package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Runs the workloads through JMH's Java API with one of three profiles, each
 * allocator of a workload in its own JVM, then prints a table per workload of
 * the scores and of their ratios to {@code libc_ffm} measured in the same run,
 * the footprint of the workloads with a live set, and writes JMH's JSON, the
 * footprint figures and charts (PNG) to the output directory.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED -cp benchmarks.jar io.rtmalloc.bench.Main
 *      [--quick|--full|--smoke] [--out DIR] [JMH options] [benchmark regex...]
 * </pre>
 *
 * <p>Every other argument is a JMH command-line option and wins over the
 * profile's value of the same setting ({@code -f 2}, {@code -i 10},
 * {@code -p allocator=libc_ffm,rtmalloc_percpu}, {@code -v NORMAL} for JMH's
 * own output). A regex runs the workloads whose benchmark it matches, with all
 * their parameters. Native allocators that cannot be loaded are left out, with
 * the reason printed.
 */
public final class Main {

    /**
     * JVM options of every forked benchmark JVM. JMH forks start {@code java -cp}, so the
     * jar manifest's {@code Enable-Native-Access} does not apply to them. The last one allows
     * the deprecated memory-access methods without JDK 25's warning: JMH's harness calls them,
     * and Netty uses them for its fastest paths, so the Netty peers run at their best. Apache
     * Arrow reads {@code java.nio} internals, hence the {@code --add-opens}.
     */
    static final List<String> FORK_JVM_ARGS = List.of(
            "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow",
            "--add-opens=java.base/java.nio=ALL-UNNAMED");

    /** Forks, warmup iterations x time, measurement iterations x time, thread counts of thread_scalability. */
    record Profile(String name, int forks, int warmups, TimeValue warmupTime,
                   int iterations, TimeValue iterationTime, int[] threads) {

        String describe() {
            return (forks == 0 ? "no fork (in this JVM)" : forks + (forks == 1 ? " fork" : " forks"))
                    + " per benchmark, " + warmups + " x " + warmupTime + " warmup, "
                    + iterations + " x " + iterationTime + " measurement";
        }
    }

    static final Profile QUICK = new Profile("quick", 1, 1, TimeValue.milliseconds(400),
            3, TimeValue.milliseconds(150), new int[] {1, 8});
    static final Profile FULL = new Profile("full", 2, 3, TimeValue.seconds(1),
            5, TimeValue.seconds(1), new int[] {1, 2, 4, 8});
    /** Every benchmark once, in this JVM, to prove they run: the numbers mean nothing. */
    static final Profile SMOKE = new Profile("smoke", 0, 0, TimeValue.milliseconds(10),
            1, TimeValue.milliseconds(10), new int[] {2});

    /** The allocators of the quick profile besides single_alloc_dealloc, which runs all. */
    static final List<String> QUICK_ALLOCATORS = List.of(
            "rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_adaptive", "arena_confined", "arena_shared",
            "rtmalloc_arrow", "arrow_unsafe", "arrow_netty", "rtmalloc_netty");

    /**
     * A workload: its JMH benchmark, the parameter values of the quick (and smoke)
     * profile (a comma between several values of one parameter), and whether the
     * quick profile runs every allocator of it.
     */
    record Workload(String name, Class<?> benchmark, Map<String, String> quickParams, boolean quickAll,
                    boolean threaded, boolean inQuick, Map<String, String> smokeParams, boolean once) {

        Workload(String name, Class<?> benchmark, Map<String, String> quickParams, boolean quickAll,
                 boolean threaded, boolean inQuick) {
            this(name, benchmark, quickParams, quickAll, threaded, inQuick, quickParams, false);
        }

        Workload(String name, Class<?> benchmark, Map<String, String> quickParams, boolean quickAll,
                 boolean threaded, boolean inQuick, Map<String, String> smokeParams) {
            this(name, benchmark, quickParams, quickAll, threaded, inQuick, smokeParams, false);
        }

        /** The JMH names of the benchmarks of its class (a group's name for a group's methods). */
        List<String> benchmarkNames() {
            List<String> out = new ArrayList<>();
            for (var m : benchmark.getMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) {
                    Group g = m.getAnnotation(Group.class);
                    String n = benchmark.getName() + "." + (g != null ? g.value() : m.getName());
                    if (!out.contains(n)) {
                        out.add(n);
                    }
                }
            }
            return out;
        }

        /** Whether the workload is every benchmark of its class (its name is none of them). */
        boolean wholeClass() {
            return !benchmarkNames().contains(benchmark.getName() + "." + name);
        }

        String regex() {
            return wholeClass() ? "^" + Pattern.quote(benchmark.getName()) + "\\."
                    : "^" + Pattern.quote(benchmark.getName() + "." + name) + "$";
        }

        /** How the help lists it. */
        String describe() {
            return wholeClass() ? benchmark.getName() + ".*" : benchmark.getName() + "." + name;
        }

        /** The values of a parameter as the benchmark class declares them. */
        List<String> declared(String param) {
            try {
                Param p = benchmark.getField(param).getAnnotation(Param.class);
                return p == null ? List.of() : List.of(p.value());
            } catch (NoSuchFieldException e) {
                return List.of();
            }
        }

        /** The benchmark's parameters, in declaration order. */
        List<String> params() {
            List<String> out = new ArrayList<>();
            for (var f : benchmark.getFields()) {
                if (f.isAnnotationPresent(Param.class)) {
                    out.add(f.getName());
                }
            }
            return out;
        }
    }

    static final List<Workload> WORKLOADS = List.of(
            new Workload("single_alloc_dealloc", SingleAllocDealloc.class, Map.of("size", "64"), true, false, true),
            new Workload("sized_free", SizedFree.class, Map.of("size", "64"), true, false, true),
            new Workload("arena_scoped", ArenaScoped.class, Map.of("count", "1,8", "size", "48,64"), false, false, true,
                    Map.of("count", "8", "size", "48")),
            new Workload("segment_pair", SegmentPair.class, Map.of(), true, false, true),
            new Workload("arena_long_lived", ArenaLongLived.class, Map.of(), false, false, true),
            new Workload("batch_1000", Batch1000.class, Map.of("size", "64"), false, false, true),
            new Workload("churn", Churn.class, Map.of("size", "256"), false, false, true),
            new Workload("realloc_growth", ReallocGrowth.class, Map.of(), false, false, true),
            new Workload("mixed_sizes", MixedSizes.class, Map.of("maxSize", "1024"), false, false, true),
            new Workload("producer_consumer", ProducerConsumer.class, Map.of("size", "64"), false, false, true),
            new Workload("larson", Larson.class, Map.of(), false, false, true),
            new Workload("thread_scalability", ThreadScalability.class, Map.of(), false, true, true),
            new Workload("virtual_threads", VirtualThreads.class, Map.of("pairs", "256"), false, false, true,
                    Map.of("pairs", "16")),
            new Workload("cpu_number", CpuNumber.class, Map.of(), false, false, false),
            // Release on and off: long runs (the release thread wakes once a second), so not in quick.
            new Workload("release", ReleaseLatency.class, Map.of(), false, false, false),
            // One invocation of half a minute per allocator and fork: not in quick.
            new Workload("idle_return", IdleReturn.class, Map.of(), false, false, false,
                    Map.of("peakMiB", "16", "seconds", "1"), true),
            new Workload("arrow_buf", ArrowBuffers.class, Map.of("size", "64"), false, false, true),
            new Workload("arrow_buf_1024_live", ArrowBuffers.class, Map.of("size", "64"), false, false, false),
            new Workload("netty_buf", NettyBuffers.class, Map.of("size", "64"), false, false, true),
            new Workload("netty_buf_cross_thread", NettyBuffers.class, Map.of("size", "64"), false, false, false));

    /**
     * The baseline of the workloads whose allocators are not {@code libc_ffm}'s peers: the
     * adapters' ratios are to what an Arrow or Netty user has by default.
     */
    static final Map<String, String> BASELINES = Map.of(
            "arrow_buf", "arrow_unsafe", "arrow_buf_1024_live", "arrow_unsafe",
            "netty_buf", "netty_pooled", "netty_buf_cross_thread", "netty_pooled");

    /** One JMH run: a workload with its parameter values and thread count (0: as declared). */
    record Part(Workload workload, Map<String, String[]> params, int threads) {
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        Profile profile = QUICK;
        Path out = Path.of("target", "bench");
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> profile = QUICK;
                case "--full" -> profile = FULL;
                case "--smoke" -> profile = SMOKE;
                case "--out" -> out = Path.of(args[++i]);
                default -> jmhArgs.add(args[i]);
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
            help(cmd);
            return;
        }
        if (cmd.shouldList() || cmd.shouldListWithParams()) {
            new Runner(cmd).list();
            return;
        }
        System.exit(run(profile, cmd, out.toAbsolutePath()));
    }

    private static void help(CommandLineOptions cmd) {
        System.out.println("Usage: [--quick|--full|--smoke] [--out DIR] [JMH options] [benchmark regex...]");
        System.out.println("  --quick  (default) " + QUICK.describe() + "; one size per workload, a subset of the allocators");
        System.out.println("  --full   " + FULL.describe() + "; every workload, size and allocator");
        System.out.println("  --smoke  " + SMOKE.describe() + "; every allocator of every workload once (numbers not meaningful)");
        System.out.println("  --out    where results.json, footprint.csv and the charts go (default target/bench)");
        System.out.println();
        System.out.println("Workloads (a regex matching the benchmark selects them, e.g. 'churn|mixed'):");
        for (Workload w : workloads()) {
            System.out.println("  " + w.name() + "  (" + w.describe() + (w.inQuick() ? "" : "; not in the quick profile")
                    + ")");
        }
        System.out.println();
        System.out.println("JMH options:");
        try {
            cmd.showHelp();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static int run(Profile profile, CommandLineOptions cmd, Path out) {
        PrintStream console = System.out;
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            System.err.println("Cannot create " + out + ": " + e);
            return 1;
        }
        Path footprintFile = out.resolve("footprint.csv");
        Path idleFile = out.resolve("idle_return.csv");
        try {
            Files.deleteIfExists(footprintFile);
            Files.deleteIfExists(idleFile);
        } catch (IOException e) {
            System.err.println("Cannot remove " + footprintFile + " or " + idleFile + ": " + e);
            return 1;
        }
        System.setProperty(Footprint.PROPERTY, footprintFile.toString());
        System.setProperty(IdleTimeline.PROPERTY, idleFile.toString());

        console.println("# rtmalloc-bench, " + profile.name() + " profile: " + profile.describe());
        console.println("# machine: " + Machine.describe());

        // The native peers: loaded here as the benchmark JVMs will load them, or left out with the reason.
        List<String> absent = new ArrayList<>();
        List<String> forkArgs = new ArrayList<>(FORK_JVM_ARGS);
        forkArgs.add("-D" + Footprint.PROPERTY + "=" + footprintFile);
        forkArgs.add("-D" + IdleTimeline.PROPERTY + "=" + idleFile);
        for (Natives.Lib lib : Natives.Lib.values()) {
            String why = Natives.unavailable(lib);
            if (why == null) {
                console.println("# peer: " + lib.method + " (" + lib.location() + ", critical downcalls)");
                forkArgs.add("-D" + lib.property() + "=" + lib.location());
            } else {
                console.println("# skipped: " + lib.method + " (" + why + ")");
                absent.add(lib.method);
            }
        }

        List<Part> parts = plan(profile, cmd, absent);
        if (parts.isEmpty()) {
            System.err.println("No benchmark matches " + cmd.getIncludes() + "; the workloads are "
                    + workloads().stream().map(Workload::name).toList());
            return 1;
        }
        int total = 0;
        for (Part p : parts) {
            total += combinations(p, cmd);
        }
        console.println("# " + total + " benchmarks, each allocator in "
                + (profile.forks() == 0 && !cmd.getForkCount().hasValue() ? "this JVM" : "its own JVM")
                + "; scores are averages, lower is faster");

        Progress progress = new Progress(console, total);
        OutputFormat format = cmd.verbosity().hasValue()
                ? OutputFormatFactory.createFormatInstance(console, cmd.verbosity().get())
                : progress;
        List<RunResult> results = new ArrayList<>();
        for (Part part : parts) {
            Options options = options(profile, cmd, part, forkArgs);
            try {
                results.addAll(new Runner(options, format).run());
            } catch (RunnerException e) {
                console.println();
                System.err.println("Benchmark run failed (" + part.workload().name() + "): " + e.getMessage());
                Throwable cause = e.getCause();
                if (cause != null) {
                    cause.printStackTrace();
                }
                return 1;
            }
        }
        console.println();
        console.println("# done in " + Progress.minutes(progress.elapsedNanos()));
        console.println();

        List<Footprint.Row> footprint;
        List<IdleTimeline.Row> idle;
        try {
            footprint = Footprint.read(footprintFile);
            idle = IdleTimeline.read(idleFile);
        } catch (IOException e) {
            System.err.println("Cannot read " + footprintFile + " or " + idleFile + ": " + e);
            return 1;
        }
        List<ResultTable.Table> tables = ResultTable.tables(results);
        ResultTable.print(tables, "libc_ffm", console);
        // A single-shot score (idle_return: the length of its wait) compares nothing: no summary, no chart.
        List<ResultTable.Table> scored = tables.stream().filter(t -> !ResultTable.singleShot(t)).toList();
        if (scored.stream().mapToInt(t -> t.columns().size()).sum() <= 14) {
            ResultTable.printSummary(scored, "libc_ffm", console);
        }
        ResultTable.printPercentiles(tables, console);
        ResultTable.printFootprint(footprint, console);
        IdleTimeline.print(idle, console);

        try {
            Path json = out.resolve("results.json");
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(results);
            Files.writeString(out.resolve("machine.txt"), Machine.describe() + "\n" + profile.name()
                    + " profile: " + profile.describe() + "\n", StandardCharsets.UTF_8);
            rewriteFootprint(footprintFile, footprint);
            console.println("JMH results: " + json);
            console.println("Footprint:   " + footprintFile);
            for (Path chart : Charts.write(scored, footprint, "libc_ffm", out, Machine.describe(false), profile)) {
                console.println("Chart:       " + chart);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Cannot write the results to " + out + ": " + e);
            e.printStackTrace();
            return 1;
        }
        if (profile == SMOKE) {
            console.println("Smoke run: every benchmark ran once, briefly and unforked; do not read the numbers.");
        }
        return 0;
    }

    /** The footprint file again, with a header, in the order the table shows. */
    private static void rewriteFootprint(Path file, List<Footprint.Row> rows) throws IOException {
        StringBuilder sb = new StringBuilder(Footprint.HEADER).append('\n');
        for (Footprint.Row r : rows) {
            sb.append(r.csv()).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /**
     * The workloads above, then every other benchmark class of the jar (each a
     * workload of its own, run by the full and smoke profiles), so that none is
     * left out of the smoke run.
     */
    static List<Workload> workloads() {
        List<Workload> out = new ArrayList<>(WORKLOADS);
        Set<String> known = new HashSet<>();
        for (Workload w : WORKLOADS) {
            known.add(w.benchmark().getName());
        }
        Set<String> others = new TreeSet<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of())) {
            if (!known.contains(e.getUserClassQName())) {
                others.add(e.getUserClassQName());
            }
        }
        for (String cls : others) {
            try {
                Class<?> c = Class.forName(cls);
                out.add(new Workload(ResultTable.snake(c.getSimpleName()), c, Map.of(), false, false, false));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("benchmark class " + cls + " is listed but missing", e);
            }
        }
        return out;
    }

    /** The JMH runs of this invocation: per workload (and thread count), with its allocators and parameters. */
    static List<Part> plan(Profile profile, CommandLineOptions cmd, List<String> absent) {
        List<Part> parts = new ArrayList<>();
        boolean userSelected = !cmd.getIncludes().isEmpty();
        for (Workload w : workloads()) {
            if (userSelected) {
                boolean match = false;
                for (String inc : cmd.getIncludes()) {
                    for (String name : w.benchmarkNames()) {
                        match |= Pattern.compile(inc).matcher(name).find();
                    }
                    match |= Pattern.compile(inc).matcher(w.benchmark().getName() + "." + w.name()).find();
                }
                if (!match) {
                    continue;
                }
            } else if (profile == QUICK && !w.inQuick()) {
                continue;
            }
            Map<String, String[]> params = new LinkedHashMap<>();
            List<String> declared = w.declared("allocator");
            if (!declared.isEmpty()) {
                List<String> allocators = cmd.getParameter("allocator").hasValue()
                        ? new ArrayList<>(cmd.getParameter("allocator").get())
                        : new ArrayList<>(declared);
                allocators.retainAll(declared); // a workload runs only the allocators it declares

                if (!userSelected && profile == QUICK && !w.quickAll()) {
                    allocators.retainAll(QUICK_ALLOCATORS);
                }
                allocators.removeAll(absent);
                if (allocators.isEmpty()) {
                    continue;
                }
                params.put("allocator", allocators.toArray(String[]::new));
            }
            if (!userSelected && profile != FULL) {
                for (var e : (profile == SMOKE ? w.smokeParams() : w.quickParams()).entrySet()) {
                    if (!cmd.getParameter(e.getKey()).hasValue()) {
                        params.put(e.getKey(), e.getValue().split(","));
                    }
                }
                if (profile == SMOKE) { // once: the first value of every other parameter
                    for (String p : w.params()) {
                        if (!params.containsKey(p) && !cmd.getParameter(p).hasValue() && !w.declared(p).isEmpty()) {
                            params.put(p, new String[] {w.declared(p).getFirst()});
                        }
                    }
                }
            }
            if (w.threaded() && !cmd.getThreads().hasValue()) {
                for (int t : profile.threads()) {
                    parts.add(new Part(w, params, t));
                }
            } else {
                parts.add(new Part(w, params, 0));
            }
        }
        return parts;
    }

    /** How many benchmarks (parameter combinations) a part runs. */
    static int combinations(Part part, CommandLineOptions cmd) {
        int n = 1;
        for (String param : part.workload().params()) {
            String[] mine = part.params().get(param);
            if (mine != null) {
                n *= mine.length;
            } else if (cmd.getParameter(param).hasValue()) {
                n *= cmd.getParameter(param).get().size();
            } else {
                n *= Math.max(1, part.workload().declared(param).size());
            }
        }
        return part.workload().wholeClass() ? n * part.workload().benchmarkNames().size() : n;
    }

    /**
     * The options less their benchmark regexes: JMH adds a parent's includes to a
     * child's, and each part runs one workload whatever the regexes matched.
     */
    static Options withoutIncludes(Options cmd) {
        return (Options) Proxy.newProxyInstance(Options.class.getClassLoader(), new Class<?>[] {Options.class},
                new NoIncludes(cmd));
    }

    /** Serializable, as JMH sends the options to its forks. */
    private record NoIncludes(Options cmd) implements InvocationHandler, Serializable {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("getIncludes")) {
                return new ArrayList<String>();
            }
            try {
                return method.invoke(cmd, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    /** The command-line options, with the profile's values where the command line sets none. */
    static Options options(Profile p, CommandLineOptions cmd, Part part, List<String> forkArgs) {
        OptionsBuilder b = new OptionsBuilder();
        b.parent(withoutIncludes(cmd));
        Workload w = part.workload();
        b.include(w.regex());
        for (var e : part.params().entrySet()) {
            b.param(e.getKey(), e.getValue());
        }
        if (part.threads() > 0) {
            b.threads(part.threads());
        }
        if (!cmd.getForkCount().hasValue()) {
            b.forks(p.forks());
        }
        if (!cmd.getWarmupIterations().hasValue()) {
            b.warmupIterations(w.once() ? 0 : p.warmups());
        }
        if (!cmd.getWarmupTime().hasValue()) {
            b.warmupTime(p.warmupTime());
        }
        if (!cmd.getMeasurementIterations().hasValue()) {
            b.measurementIterations(w.once() ? 1 : p.iterations());
        }
        if (!cmd.getMeasurementTime().hasValue()) {
            b.measurementTime(p.iterationTime());
        }
        if (!cmd.shouldFailOnError().hasValue()) {
            b.shouldFailOnError(true); // a broken allocator (a leak found at teardown) fails the run
        }
        // JMH's forks otherwise inherit this JVM's options; give them ours, unless -jvmArgs says otherwise.
        if (cmd.getJvmArgs().hasValue()) {
            List<String> append = new ArrayList<>(forkArgs);
            if (cmd.getJvmArgsAppend().hasValue()) {
                append.addAll(cmd.getJvmArgsAppend().get());
            }
            b.jvmArgsAppend(append.toArray(String[]::new));
        } else {
            b.jvmArgs(forkArgs.toArray(String[]::new));
        }
        return b.build();
    }
}
