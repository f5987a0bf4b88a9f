package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A closed allocator's range stays mapped (so that a call racing the close
 * never faults), and a later allocator of the same sizes takes it over once it
 * has rested: making and closing allocators without end holds a bounded
 * number of kernel mappings, where keeping every closed range would reach the
 * kernel's limit (about 65,000 mappings) and take the JVM down.
 */
class ClosedRangeReuseTest {

    static java.util.stream.Stream<String> frontEnds() {
        return FrontEndSuite.frontEnds();
    }

    /** Mappings of this process, from {@code /proc/self/maps}. */
    static long mappings() throws Exception {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.count();
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void closedRanges_areTakenOverByLaterAllocators_soMappingsStayBounded(String fe) throws Exception {
        // A size no other test uses, so that only this test's ranges match.
        long space = (3L << 30) + ((long) fe.hashCode() & 0xff) * (8L << 20);
        Config config = Config.defaults().toBuilder().addressSpace(space).build();
        Set<Long> first = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            first.add(cycle(fe, config));
        }
        long before = mappings();
        Thread.sleep(1_100); // the ranges rest
        Set<Long> second = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            second.add(cycle(fe, config));
        }
        long after = mappings();
        assertTrue(first.containsAll(second), () -> "later allocators' first blocks " + second
                + " are not in the closed ranges " + first);
        assertTrue(after <= before + 8, () -> "mappings grew from " + before + " to " + after);
    }

    /** Builds an allocator, uses it, closes it; answers its first block's address. */
    private static long cycle(String fe, Config config) {
        Allocator a = RtMalloc.builder().frontEnd(fe).config(config).build();
        long p = a.malloc(64);
        long q = a.malloc(1 << 20);
        a.free(q);
        a.free(p);
        a.close();
        return p;
    }
}
