package io.rtmalloc.arrow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RtMallocAllocationManager#factory()} under a bad setting, in a JVM of
 * its own (the global allocator is built once per JVM): every call throws the
 * {@link IllegalStateException} of {@code RtMalloc.global()}, with the same
 * message and the {@code ConfigException} as cause; never an
 * {@link ExceptionInInitializerError} and then {@link NoClassDefFoundError}s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GlobalSettingsForkedTest {

    private static final String PREFIX = "java.lang.IllegalStateException: rtmalloc: RtMalloc.global() cannot be built: ";

    /** The JVM options of a run with this front end, plus what Arrow needs on JDK 25 on the class path. */
    private static List<String> options(String frontEnd) {
        return List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Drtmalloc.frontend=" + frontEnd);
    }

    /** The rest of the one line of {@code lines} that starts with {@code prefix}. */
    private static String line(List<String> lines, String prefix, String out) {
        List<String> found = lines.stream().filter(l -> l.startsWith(prefix)).toList();
        assertEquals(1, found.size(), () -> "one line '" + prefix + "...' expected:\n" + out);
        return found.getFirst().substring(prefix.length());
    }

    @Test
    void bogusFrontEnd_everyCallThrowsTheSameClearException() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(options("bogus"), Map.of(), GlobalSettingsProbe.class);
        String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertFalse(out.contains("ExceptionInInitializerError") || out.contains("NoClassDefFoundError"), out);
        List<String> lines = out.lines().toList();
        String first = line(lines, "call 1: ", out);
        assertEquals(PREFIX + "system property rtmalloc.frontend: no front end named 'bogus' is present"
                + " (found: global, percpu, threadcache)", first, out);
        for (int call = 1; call <= 3; call++) {
            assertEquals(first, line(lines, "call " + call + ": ", out), out);
            assertEquals("io.rtmalloc.ConfigException", line(lines, "cause " + call + ": ", out), out);
        }
        // The very exception RtMalloc.global() throws, not one of the adapter's own.
        assertEquals(first, line(lines, "rtmalloc: ", out), out);
        assertEquals("io.rtmalloc.ConfigException", line(lines, "rtmalloc cause: ", out), out);
    }

    @Test
    void goodSettings_everyCallReturnsTheSameWorkingFactory() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(options("percpu"), Map.of(), GlobalSettingsProbe.class);
        List<String> calls = r.output().lines().filter(l -> l.startsWith("call ")).toList();
        assertEquals(3, calls.size(), r.output());
        String first = calls.getFirst().substring("call 1: ".length());
        assertTrue(first.startsWith("built percpu "), r.output());
        assertEquals(List.of("call 1: " + first, "call 2: " + first, "call 3: " + first), calls);
        assertTrue(r.output().lines().anyMatch("rtmalloc: built percpu"::equals), r.output());
    }
}
