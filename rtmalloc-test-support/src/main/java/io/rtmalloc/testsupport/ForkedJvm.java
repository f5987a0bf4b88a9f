package io.rtmalloc.testsupport;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a program of the test classes in a JVM of its own, on a class path made
 * of everything this JVM has, so that what would take a JVM down (a crash, a
 * class that fails to initialise for good) fails one case instead of the run.
 */
public final class ForkedJvm {

    /** How long {@link #run} waits for the forked JVM, in seconds. */
    public static final int TIMEOUT_SECONDS = 90;

    /**
     * How the forked JVM ended.
     *
     * @param exitCode its exit code
     * @param output   what it wrote to stdout and stderr, interleaved
     */
    public record Result(int exitCode, String output) {

        /**
         * The rest of the one line of the output that starts with {@code prefix};
         * fails the test unless exactly one line does.
         *
         * @param prefix the start of the line
         * @return the line without {@code prefix}
         */
        public String line(String prefix) {
            List<String> found = output.lines().filter(l -> l.startsWith(prefix)).toList();
            assertEquals(1, found.size(), () -> "one line '" + prefix + "...' expected:\n" + output);
            return found.getFirst().substring(prefix.length());
        }
    }

    private ForkedJvm() {
    }

    /**
     * Runs {@code main} with {@code args} in a new JVM with native access for the
     * class path, a heap of at most 256 MiB, the given JVM options and extra
     * environment variables, and waits for it (at most {@value #TIMEOUT_SECONDS} s).
     *
     * @param jvmOptions the JVM's further options
     * @param env        environment variables to add to this JVM's
     * @param main       the class whose {@code main} to run; its class-path entry is put first
     * @param args       the program's arguments
     * @return how the JVM ended
     * @throws Exception if the JVM cannot be started or the wait is interrupted
     */
    public static Result run(List<String> jvmOptions, Map<String, String> env, Class<?> main, String... args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath(main));
        command.add(main.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the forked JVM did not finish");
        return new Result(p.exitValue(), out);
    }

    /**
     * The class-path entries of {@code main} (the test classes, which a modular
     * test run patches into its module rather than listing) and of these
     * fixtures, then everything this JVM has on its module path and class path.
     */
    private static String classPath(Class<?> main) throws URISyntaxException {
        List<String> parts = new ArrayList<>();
        parts.add(location(main));
        parts.add(location(ForkedJvm.class));
        for (String p : new String[] {System.getProperty("jdk.module.path"), System.getProperty("java.class.path")}) {
            if (p != null && !p.isBlank()) {
                parts.add(p);
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
