package io.rtmalloc.arrow;

import io.rtmalloc.testsupport.ForkedJvm;
import io.rtmalloc.testsupport.GlobalSettingsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** The JVM options of a run with this front end, plus what Arrow needs on JDK 25 on the class path. */
    private static List<String> options(String frontEnd) {
        return List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Drtmalloc.frontend=" + frontEnd);
    }

    @Test
    void bogusFrontEnd_everyCallThrowsTheSameClearException() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(options("bogus"), Map.of(), GlobalSettingsProbe.class);
        // The very exception RtMalloc.global() throws, not one of the adapter's own.
        String message = GlobalSettingsProbes.sameFailureAsGlobal(r);
        assertEquals("system property rtmalloc.frontend: no front end named 'bogus' is present"
                + " (found: global, percpu, threadcache)", message, r.output());
    }

    @Test
    void goodSettings_everyCallReturnsTheSameWorkingFactory() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(options("percpu"), Map.of(), GlobalSettingsProbe.class);
        GlobalSettingsProbes.sameBuildEveryCall(r, "percpu");
        assertTrue(r.output().lines().anyMatch("rtmalloc: built percpu"::equals), r.output());
    }
}
