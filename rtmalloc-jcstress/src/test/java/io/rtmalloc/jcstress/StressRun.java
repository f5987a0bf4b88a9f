package io.rtmalloc.jcstress;

import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs this module's jcstress tests (the build's {@code integration-test}
 * phase calls it) and exits non-zero when any test has a forbidden outcome,
 * an error or a crashed JVM, or when no test ran. See the package comment for
 * the system properties it reads.
 *
 * <p>jcstress's own console goes to {@code results/console.log} under the
 * working directory; the build log gets the list of tests, jcstress's
 * closing report (every test's outcomes and their counts) and one line of
 * totals.
 */
public final class StressRun {

    /** The protocol tests: in the tiers' packages. */
    static final String PROTOCOLS = "^io\\.rtmalloc\\.(spi|central|threadcache)\\..*";
    /** The protocol tests and the close races. */
    static final String ALL = "^io\\.rtmalloc\\.(spi|central|threadcache|jcstress)\\..*";
    /** The packages whose tests the default run must find (a guard against the annotation processor not running). */
    static final List<String> REQUIRED = List.of("io.rtmalloc.spi.", "io.rtmalloc.central.", "io.rtmalloc.threadcache.");
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** The ci profile's limit for the whole run: a hung test fails the build instead of stalling it. */
    static final long CI_DEADLINE_MS = 10 * 60_000;

    private static final Pattern TOTALS = Pattern.compile(
            "\\(Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs\\)");

    private StressRun() {
    }

    public static void main(String[] args) throws Exception {
        String profile = System.getProperty("rtmalloc.jcstress.profile", "ci");
        boolean close = Boolean.getBoolean("rtmalloc.jcstress.close");
        String extra = System.getProperty("rtmalloc.jcstress.args", "").trim();

        Map<String, String> options = new LinkedHashMap<>();
        switch (profile) {
            case "ci" -> {
                // One JVM per test (one fork, no stress fork, one compilation mode, the JVM
                // flags given), five iterations of a second: about ten seconds per test.
                options.put("-m", "quick");
                options.put("-f", "1");
                options.put("-fsm", "0");
                options.put("-sc", "false");
                options.put("-iters", "5");
                options.put("-time", "1000");
                options.put("-jvmArgs", NATIVE_ACCESS + " -Xss1m");
            }
            // jcstress's default preset: every JVM mode it detects (interpreter, C1, C2,
            // per-actor compilation, stress flags), six forks of five seconds each: about
            // four minutes per test on two cores ("-m tough": about an hour per test).
            case "long" -> {
                options.put("-m", "default");
                options.put("-jvmArgsPrepend", NATIVE_ACCESS);
            }
            default -> throw new IllegalArgumentException(
                    "rtmalloc.jcstress.profile must be ci or long, not " + profile);
        }
        options.put("-t", close ? ALL : PROTOCOLS);
        options.put("-r", "results");
        options.put("-v", null);
        putAll(options, extra);
        String[] argv = argv(options);

        Options opts = new Options(argv);
        if (!opts.parse()) {
            System.exit(1);
        }
        SortedSet<String> tests = new JCStress(opts).getTests();
        System.out.println("jcstress (" + profile + "): " + tests.size() + " tests, options " + String.join(" ", argv));
        tests.forEach(t -> System.out.println("  " + t));
        if (extra.isEmpty()) {
            for (String pkg : REQUIRED) {
                if (tests.stream().noneMatch(t -> t.startsWith(pkg))) {
                    fail("no jcstress test found in " + pkg + "* (did the annotation processor run?)");
                }
            }
        } else if (tests.isEmpty()) {
            fail("no jcstress test matches the selection");
        }

        Path results = Path.of("results");
        Files.createDirectories(results);
        Path log = results.resolve("console.log");
        if (profile.equals("ci")) {
            watchdog(CI_DEADLINE_MS, log);
        }
        PrintStream console = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        boolean failed = false;
        long start = System.nanoTime();
        try (OutputStream file = Files.newOutputStream(log)) {
            System.setOut(new PrintStream(new Tee(file, captured), true, StandardCharsets.UTF_8));
            new JCStress(opts).run();
        } catch (AssertionError e) { // jcstress's verdict: forbidden outcomes, errors, crashed JVMs
            failed = true;
            captured.writeBytes(("\n" + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
        } finally {
            System.setOut(console);
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        String out = captured.toString(StandardCharsets.UTF_8);
        int report = out.lastIndexOf("RUN RESULTS:");
        System.out.println(report >= 0 ? out.substring(report) : out);
        String totals = "no totals in jcstress's output";
        boolean allPassed = false;
        for (Matcher m = TOTALS.matcher(out); m.find(); ) { // progress lines: the last one is the run's
            totals = m.group();
            long planned = Long.parseLong(m.group(1));
            allPassed = planned > 0 && Long.parseLong(m.group(2)) == planned;
        }
        failed |= !allPassed;
        System.out.println("jcstress: " + tests.size() + " tests in " + seconds + " s, " + totals
                + "; console in " + log.toAbsolutePath() + ", report in " + results.resolve("index.html").toAbsolutePath());
        if (failed) {
            fail("jcstress found forbidden outcomes or errors (see above)");
        }
        System.exit(0); // jcstress may leave non-daemon threads behind
    }

    /** Adds options given as one string ("-t Budget -time 1000"); each replaces the profile's of its name. */
    static void putAll(Map<String, String> options, String extra) {
        String[] tokens = extra.isEmpty() ? new String[0] : extra.split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String key = tokens[i];
            String value = i + 1 < tokens.length && !tokens[i + 1].startsWith("-") ? tokens[++i] : null;
            options.remove(key);
            if (key.equals("-jvmArgs")) {
                options.remove("-jvmArgsPrepend");
            }
            options.put(key, value);
        }
    }

    static String[] argv(Map<String, String> options) {
        List<String> out = new ArrayList<>();
        options.forEach((k, v) -> {
            out.add(k);
            if (v != null) {
                out.add(v);
            }
        });
        return out.toArray(String[]::new);
    }

    /** Stops the run, and the test JVMs it forked, after {@code ms}. */
    static void watchdog(long ms, Path log) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("jcstress: still running after " + ms / 1000 + " s, stopped; see " + log.toAbsolutePath());
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            Runtime.getRuntime().halt(3);
        }, "jcstress-watchdog");
        t.setDaemon(true);
        t.start();
    }

    private static void fail(String message) {
        System.err.println("jcstress: " + message);
        System.exit(1);
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
