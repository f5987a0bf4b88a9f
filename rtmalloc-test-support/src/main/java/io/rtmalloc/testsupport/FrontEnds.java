package io.rtmalloc.testsupport;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The front ends a suite runs over, and the check that an allocator's accounts are back to zero. */
public final class FrontEnds {

    private FrontEnds() {
    }

    /**
     * Every front end ServiceLoader finds; fails the test if it finds none.
     *
     * @return the front ends' names, for a {@code @MethodSource}
     */
    public static Stream<String> names() {
        var names = RtMalloc.frontEnds();
        assertFalse(names.isEmpty(), "no rtmalloc front end found");
        return names.stream();
    }

    /**
     * A fresh allocator of the front end, with the default configuration.
     *
     * @param frontEnd the front end's name
     * @return the allocator, which the test closes
     */
    public static Allocator allocator(String frontEnd) {
        return RtMalloc.builder().frontEnd(frontEnd).build();
    }

    /**
     * Checks that no block of {@code a} is in use (every block taken from it
     * has been freed), after the calling thread's cache is flushed, and that
     * the invariants of its tiers hold.
     *
     * @param a the allocator
     */
    public static void assertNothingInUse(Allocator a) {
        a.flushThreadCache();
        AllocatorStats st = a.stats();
        assertEquals(0, st.bytesInUse(), () -> "bytes still in use:\n" + st);
        a.checkInvariants();
    }
}
