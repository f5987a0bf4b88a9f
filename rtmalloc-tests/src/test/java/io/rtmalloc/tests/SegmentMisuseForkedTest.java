package io.rtmalloc.tests;

import io.rtmalloc.testsupport.ForkedJvm;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
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
        ForkedJvm.Result r = ForkedJvm.run(List.of(), Map.of(), MisuseScenarios.class, scenario, frontEnd);
        assertEquals(0, r.exitCode(),
                () -> scenario + " on " + frontEnd + " exited " + r.exitCode() + ":\n" + r.output());
        assertTrue(r.output().lines().anyMatch("ok"::equals), () -> "no ok from the forked JVM:\n" + r.output());
    }
}
