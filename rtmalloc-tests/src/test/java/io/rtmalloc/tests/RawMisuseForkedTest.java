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
 * The misuse of {@link RawMisuseScenarios}, which damages the caller's own
 * blocks or races {@code close()}, each scenario in a JVM of its own
 * ({@link ForkedJvm}) per front end, over the allocator and its thread-bound
 * view: a crash fails the case instead of the whole run.
 */
class RawMisuseForkedTest {

    static Stream<Arguments> cases() {
        return FrontEndSuite.frontEnds().flatMap(fe -> Stream.of(
                Arguments.of("damaged-next-pointer", fe),
                Arguments.of("double-free-then-churn", fe),
                Arguments.of("close-racing-calls", fe)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void misuse_inAForkedJvm_neverCrashes_andTheAllocatorGoesOn(String scenario, String frontEnd) throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(), Map.of(), RawMisuseScenarios.class, scenario, frontEnd);
        assertEquals(0, r.exitCode(),
                () -> scenario + " on " + frontEnd + " exited " + r.exitCode() + ":\n" + r.output());
        assertTrue(r.output().lines().anyMatch("ok"::equals), () -> "no ok from the forked JVM:\n" + r.output());
    }
}
