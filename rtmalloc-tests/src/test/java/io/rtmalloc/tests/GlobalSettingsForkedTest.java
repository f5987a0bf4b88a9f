package io.rtmalloc.tests;

import io.rtmalloc.testsupport.ForkedJvm;
import io.rtmalloc.testsupport.GlobalSettingsProbes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code RtMalloc.global()} under bad settings, each in a JVM of its own (the
 * global allocator is built once per JVM): every call throws the same
 * {@link IllegalStateException}, naming the setting and the reason, with the
 * {@code ConfigException} as cause; never an {@link ExceptionInInitializerError}
 * and then {@link NoClassDefFoundError}s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GlobalSettingsForkedTest {

    @TempDir
    Path dir;

    /**
     * Runs the probe and checks that its three calls failed alike, with a
     * {@code ConfigException} as cause; returns the message.
     */
    private static String sameFailureThreeTimes(List<String> jvmOptions, Map<String, String> env) throws Exception {
        return GlobalSettingsProbes.sameFailureEveryCall(ForkedJvm.run(jvmOptions, env, GlobalSettingsProbe.class));
    }

    @Test
    void badConfigFileByProperty_everyCallThrowsTheSameClearException() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.toml"), """
                [[class]]
                size = 8
                batch_size = 2147483647
                """);
        String message = sameFailureThreeTimes(List.of("-Drtmalloc.config=" + file), Map.of());
        assertEquals("the configuration named by system property rtmalloc.config (" + file + ") is invalid: "
                + file + ":3: class[0].batch_size: 2147483647 is out of range: it must be from 1 to 4096", message);
    }

    @Test
    void badConfigFileByEnvironment_everyCallThrowsTheSameClearException() throws Exception {
        Path file = Files.writeString(dir.resolve("env.toml"), "classes = [8]\n[config]\nmax_pages = 2147483647\n");
        String message = sameFailureThreeTimes(List.of(), Map.of("RTMALLOC_CLASSES", file.toString()));
        assertTrue(message.startsWith("the configuration named by environment variable RTMALLOC_CLASSES (" + file
                + ") is invalid: " + file + ":3: config.max_pages: "), message);
    }

    @Test
    void missingConfigFile_everyCallThrowsTheSameClearException() throws Exception {
        Path file = dir.resolve("missing.toml");
        String message = sameFailureThreeTimes(List.of("-Drtmalloc.config=" + file), Map.of());
        assertTrue(message.contains(file + ": cannot read the file") && message.contains("NoSuchFileException"),
                message);
    }

    @Test
    void bogusFrontEnd_everyCallThrowsTheSameClearException() throws Exception {
        String message = sameFailureThreeTimes(List.of("-Drtmalloc.frontend=bogus"), Map.of());
        assertEquals("system property rtmalloc.frontend: no front end named 'bogus' is present"
                + " (found: global, percpu, threadcache)", message);
    }

    @Test
    void goodSettings_everyCallReturnsTheSameAllocator() throws Exception {
        Path file = Files.writeString(dir.resolve("good.toml"), "classes = [8, 16, 4096]\n");
        ForkedJvm.Result r = ForkedJvm.run(
                List.of("-Drtmalloc.config=" + file, "-Drtmalloc.frontend=percpu"), Map.of(), GlobalSettingsProbe.class);
        GlobalSettingsProbes.sameBuildEveryCall(r, "percpu");
    }
}
