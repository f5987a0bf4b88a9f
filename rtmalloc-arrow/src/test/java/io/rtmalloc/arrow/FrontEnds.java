package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The front ends the tests run over, and the check that an allocator's accounts are back to zero. */
final class FrontEnds {

    private FrontEnds() {
    }

    /** Every front end ServiceLoader finds (at least global, threadcache and percpu here). */
    static Stream<String> names() {
        var names = RtMalloc.frontEnds();
        assertFalse(names.isEmpty(), "no rtmalloc front end found");
        return names.stream();
    }

    /** A fresh allocator of the front end, which the test closes. */
    static Allocator allocator(String frontEnd) {
        return RtMalloc.builder().frontEnd(frontEnd).build();
    }

    /** No block of {@code a} is in use: every buffer taken from it has been freed. */
    static void assertNothingInUse(Allocator a) {
        a.flushThreadCache();
        AllocatorStats st = a.stats();
        assertEquals(0, st.bytesInUse(), () -> "bytes still in use:\n" + st);
        a.checkInvariants();
    }
}
