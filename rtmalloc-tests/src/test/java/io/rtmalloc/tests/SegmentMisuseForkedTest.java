package io.rtmalloc.tests;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The misuse of {@link MisuseScenarios} that once crashed the JVM, each in a
 * JVM of its own, over every front end: a crash (a signal, an exit code of
 * its own) fails the case instead of the whole run.
 */
class SegmentMisuseForkedTest {

    static Stream<Arguments> cases() {
        return FrontEndSuite.frontEnds().flatMap(fe -> Stream.of(
                Arguments.of("double-free-then-write", fe),
                Arguments.of("free-arena-block-by-address", fe),
                Arguments.of("free-interior-slice", fe)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void misuse_inAForkedJvm_isRefused_andTheJvmExitsNormally(String scenario, String frontEnd) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(classPath());
        command.add(MisuseScenarios.class.getName());
        command.add(scenario);
        command.add(frontEnd);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the forked JVM did not finish");
        assertEquals(0, p.exitValue(), () -> scenario + " on " + frontEnd + " exited " + p.exitValue() + ":\n" + out);
        assertTrue(out.lines().anyMatch("ok"::equals), () -> "no ok from the forked JVM:\n" + out);
    }

    /** Everything this JVM has on its module path and class path, plus the test classes, as a class path. */
    private static String classPath() throws Exception {
        List<String> parts = new ArrayList<>();
        parts.add(Path.of(MisuseScenarios.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        for (String p : new String[] {System.getProperty("jdk.module.path"), System.getProperty("java.class.path")}) {
            if (p != null && !p.isBlank()) {
                parts.add(p);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
