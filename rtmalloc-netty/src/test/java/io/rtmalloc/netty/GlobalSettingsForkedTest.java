package io.rtmalloc.netty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RtMallocByteBufAllocator#global()} under a bad setting, in a JVM of its
 * own (the global allocator is built once per JVM): every call throws the
 * {@link IllegalStateException} of {@code RtMalloc.global()}, with the same
 * message and the {@code ConfigException} as cause; never an
 * {@link ExceptionInInitializerError} and then {@link NoClassDefFoundError}s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GlobalSettingsForkedTest {

    private static final String PREFIX = "java.lang.IllegalStateException: rtmalloc: RtMalloc.global() cannot be built: ";

    /** The rest of the one line of {@code lines} that starts with {@code prefix}. */
    private static String line(List<String> lines, String prefix, String out) {
        List<String> found = lines.stream().filter(l -> l.startsWith(prefix)).toList();
        assertEquals(1, found.size(), () -> "one line '" + prefix + "...' expected:\n" + out);
        return found.getFirst().substring(prefix.length());
    }

    @Test
    void bogusFrontEnd_everyCallThrowsTheSameClearException() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of("-Drtmalloc.frontend=bogus"), Map.of(), GlobalSettingsProbe.class);
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
    void goodSettings_everyCallReturnsTheSameWorkingAllocator() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of("-Drtmalloc.frontend=percpu"), Map.of(), GlobalSettingsProbe.class);
        List<String> calls = r.output().lines().filter(l -> l.startsWith("call ")).toList();
        assertEquals(3, calls.size(), r.output());
        String first = calls.getFirst().substring("call 1: ".length());
        assertTrue(first.startsWith("built percpu "), r.output());
        assertEquals(List.of("call 1: " + first, "call 2: " + first, "call 3: " + first), calls);
        assertTrue(r.output().lines().anyMatch("rtmalloc: built percpu"::equals), r.output());
    }
}
