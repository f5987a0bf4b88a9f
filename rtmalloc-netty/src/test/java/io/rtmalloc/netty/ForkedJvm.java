package io.rtmalloc.netty;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a program of the test classes in a JVM of its own, on a class path made
 * of everything this JVM has, so that what would take a JVM down (a crash, a
 * class that fails to initialise for good) fails one case instead of the run.
 */
final class ForkedJvm {

    /** How the forked JVM ended: its exit code and what it wrote to stdout and stderr, interleaved. */
    record Result(int exitCode, String output) {
    }

    private ForkedJvm() {
    }

    /**
     * Runs {@code main} with {@code args} in a new JVM with the given JVM options
     * and extra environment variables, and waits for it (at most 90 s).
     */
    static Result run(List<String> jvmOptions, Map<String, String> env, Class<?> main, String... args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the forked JVM did not finish");
        return new Result(p.exitValue(), out);
    }

    /** Everything this JVM has on its module path and class path, plus the test classes, as a class path. */
    private static String classPath() throws Exception {
        List<String> parts = new ArrayList<>();
        parts.add(Path.of(ForkedJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        for (String p : new String[] {System.getProperty("jdk.module.path"), System.getProperty("java.class.path")}) {
            if (p != null && !p.isBlank()) {
                parts.add(p);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
