package io.rtmalloc.arrow.defaults;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arrow's {@code new RootAllocator()} with this jar on the class path, under a
 * bad setting, in a JVM of its own (the global allocator is built once per
 * JVM, and Arrow reads its default factory once): every root allocator throws
 * the {@link IllegalStateException} of {@code RtMalloc.global()}, with the same
 * message and the {@code ConfigException} as cause; never an
 * {@link ExceptionInInitializerError} and then {@link NoClassDefFoundError}s.
 * Both surefire runs take it: the forked JVM has their class path, with and
 * without Arrow's unsafe manager.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GlobalSettingsForkedTest {

    private static final String PREFIX = "java.lang.IllegalStateException: rtmalloc: RtMalloc.global() cannot be built: ";

    /** What Arrow needs on JDK 25 on the class path, as the surefire runs give it. */
    private static final List<String> ARROW_OPTIONS =
            List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    /** The rest of the one line of {@code lines} that starts with {@code prefix}. */
    private static String line(List<String> lines, String prefix, String out) {
        List<String> found = lines.stream().filter(l -> l.startsWith(prefix)).toList();
        assertEquals(1, found.size(), () -> "one line '" + prefix + "...' expected:\n" + out);
        return found.getFirst().substring(prefix.length());
    }

    @Test
    void bogusFrontEnd_everyRootAllocatorThrowsTheSameClearException() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(
                Stream.concat(ARROW_OPTIONS.stream(), Stream.of("-Drtmalloc.frontend=bogus")).toList(), Map.of(),
                GlobalSettingsProbe.class);
        String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertFalse(out.contains("ExceptionInInitializerError") || out.contains("NoClassDefFoundError"), out);
        List<String> lines = out.lines().toList();
        String first = line(lines, "call 1: ", out);
        assertEquals(PREFIX + "system property rtmalloc.frontend: no front end named 'bogus' is present"
                + " (found: threadcache)", first, out);
        for (int call = 1; call <= 3; call++) {
            assertEquals(first, line(lines, "call " + call + ": ", out), out);
            assertEquals("io.rtmalloc.ConfigException", line(lines, "cause " + call + ": ", out), out);
        }
        // The very exception RtMalloc.global() throws, not one of the adapter's own.
        assertEquals(first, line(lines, "rtmalloc: ", out), out);
        assertEquals("io.rtmalloc.ConfigException", line(lines, "rtmalloc cause: ", out), out);
    }

    @Test
    void goodSettings_everyRootAllocatorTakesRtMallocBlocks() throws Exception {
        // No rtmalloc setting: the application's default, over the one front end of this module's tests.
        ForkedJvm.Result r = ForkedJvm.run(ARROW_OPTIONS, Map.of(), GlobalSettingsProbe.class);
        List<String> calls = r.output().lines().filter(l -> l.startsWith("call ")).toList();
        assertEquals(3, calls.size(), r.output());
        String first = calls.getFirst().substring("call 1: ".length());
        assertTrue(first.startsWith("built threadcache "), r.output());
        assertEquals(List.of("call 1: " + first, "call 2: " + first, "call 3: " + first), calls);
        assertTrue(r.output().lines().anyMatch("rtmalloc: built threadcache"::equals), r.output());
    }
}
