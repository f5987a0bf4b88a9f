package io.rtmalloc.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link ChooseFrontEnd} from the real jars the build put in
 * {@code target/modules}, in a new JVM, on the module path and on the class
 * path, with the native-access flag the README gives for each; and runs the
 * README's own commands, the jlink image's included. Each run must succeed
 * and print nothing on standard error: no "restricted method" warning, no
 * other warning.
 */
class LaunchIT {

    static final Path MODULES = Path.of(System.getProperty("rtmalloc.modules"));
    static final Path ROOT = Path.of(System.getProperty("rtmalloc.root")).toAbsolutePath().normalize();
    static final Path JAVA_BIN = Path.of(System.getProperty("java.home"), "bin");

    /** The outcome of one command. */
    record Run(int exit, String out, String err) {
    }

    static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("PATH", JAVA_BIN + ":" + pb.environment().getOrDefault("PATH", ""));
        pb.environment().remove("JAVA_TOOL_OPTIONS"); // it would print a line on standard error
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Path out = Files.createTempFile("rtmalloc-example", ".out");
        Path err = Files.createTempFile("rtmalloc-example", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static void assertRanFrontEnd(Run r, String frontEnd, Object command) {
        String where = command + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err();
        assertEquals(0, r.exit(), where);
        assertEquals("", r.err(), "nothing on standard error: " + where);
        assertTrue(r.out().contains("front ends found: [global, percpu, threadcache]"), where);
        assertTrue(r.out().contains("hello from " + frontEnd), where);
        assertTrue(r.out().contains(frontEnd + ": malloc(64) gave 64 usable bytes; wrote and read back 8 longs, sum 28000"),
                where);
    }

    @ParameterizedTest
    @ValueSource(strings = {"global", "threadcache", "percpu"})
    void modulePath(String frontEnd) throws Exception {
        List<String> command = List.of("java",
                "--enable-native-access=io.rtmalloc.api,io.rtmalloc.pageheap,io.rtmalloc.percpu",
                "-p", MODULES.toString(), "-m", "io.rtmalloc.examples/io.rtmalloc.examples.ChooseFrontEnd", frontEnd);
        assertRanFrontEnd(run(ROOT, command), frontEnd, command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"global", "threadcache", "percpu"})
    void classPath(String frontEnd) throws Exception {
        List<String> command = List.of("java", "--enable-native-access=ALL-UNNAMED",
                "-cp", MODULES.resolve("*").toString(), "io.rtmalloc.examples.ChooseFrontEnd", frontEnd);
        assertRanFrontEnd(run(ROOT, command), frontEnd, command);
    }

    @Test
    void withoutNativeAccess_theJdkWarns_whichIsWhatTheFlagPrevents() throws Exception {
        List<String> command = List.of("java", "-p", MODULES.toString(),
                "-m", "io.rtmalloc.examples/io.rtmalloc.examples.ChooseFrontEnd", "global");
        Run r = run(ROOT, command);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("restricted method"), r.err());
    }

    /** The README's section "Using rtmalloc". */
    static String usingSection() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## Using rtmalloc");
        assertTrue(start >= 0, "README.md has a section \"Using rtmalloc\"");
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    /** The lines of the section's code blocks of one language ("java", "sh"). */
    static List<List<String>> codeBlocks(String section, String language) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : section.split("\n")) {
            if (current == null && line.strip().equals("```" + language)) {
                current = new ArrayList<>();
            } else if (current != null && line.strip().equals("```")) {
                blocks.add(current);
                current = null;
            } else if (current != null) {
                current.add(line);
            }
        }
        return blocks;
    }

    @Test
    void theReadmesCommands_runAsWritten_fromTheRepositoryRoot() throws Exception {
        List<String> commands = codeBlocks(usingSection(), "sh").stream().flatMap(List::stream)
                .map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertEquals(3, commands.size(), "class path, module path, jlink: " + commands);
        for (String command : commands) {
            String frontEnd = command.substring(command.lastIndexOf(' ') + 1);
            assertRanFrontEnd(run(ROOT, List.of("bash", "-c", command)), frontEnd, command);
        }
        assertTrue(commands.stream().anyMatch(c -> c.contains(" -p ") && c.contains(" -m ")), commands.toString());
        assertTrue(commands.stream().anyMatch(c -> c.contains(" -cp ")), commands.toString());
        assertTrue(commands.stream().anyMatch(c -> c.startsWith("examples/jlink.sh && ")), commands.toString());
    }

    @Test
    void theReadmesJavaSnippets_areTheExamplesCode() throws Exception {
        String sources;
        try (Stream<Path> files = Files.walk(ROOT.resolve("examples/src/main/java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).map(f -> {
                try {
                    return Files.readString(f);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }).collect(Collectors.joining("\n"));
        }
        List<String> sourceLines = sources.lines().map(String::strip).toList();
        List<List<String>> snippets = codeBlocks(usingSection(), "java");
        assertTrue(snippets.size() >= 2, "a snippet for plain Java and one for OSGi");
        for (List<String> snippet : snippets) {
            for (String line : snippet) {
                String code = line.strip();
                if (!code.isEmpty() && !code.startsWith("//") && !code.equals("...")) {
                    assertTrue(sourceLines.contains(code), () -> "README line not in the examples: " + code);
                }
            }
        }
        assertFalse(sourceLines.isEmpty());
    }
}
