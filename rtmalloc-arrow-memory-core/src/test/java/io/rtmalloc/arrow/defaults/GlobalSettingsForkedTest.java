package io.rtmalloc.arrow.defaults;

import io.rtmalloc.testsupport.ForkedJvm;
import io.rtmalloc.testsupport.GlobalSettingsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** What Arrow needs on JDK 25 on the class path, as the surefire runs give it. */
    private static final List<String> ARROW_OPTIONS =
            List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    @Test
    void bogusFrontEnd_everyRootAllocatorThrowsTheSameClearException() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(
                Stream.concat(ARROW_OPTIONS.stream(), Stream.of("-Drtmalloc.frontend=bogus")).toList(), Map.of(),
                GlobalSettingsProbe.class);
        // The very exception RtMalloc.global() throws, not one of the adapter's own.
        String message = GlobalSettingsProbes.sameFailureAsGlobal(r);
        assertEquals("system property rtmalloc.frontend: no front end named 'bogus' is present"
                + " (found: threadcache)", message, r.output());
    }

    @Test
    void goodSettings_everyRootAllocatorTakesRtMallocBlocks() throws Exception {
        // No rtmalloc setting: the application's default, over the one front end of this module's tests.
        ForkedJvm.Result r = ForkedJvm.run(ARROW_OPTIONS, Map.of(), GlobalSettingsProbe.class);
        GlobalSettingsProbes.sameBuildEveryCall(r, "threadcache");
        assertTrue(r.output().lines().anyMatch("rtmalloc: built threadcache"::equals), r.output());
    }
}
