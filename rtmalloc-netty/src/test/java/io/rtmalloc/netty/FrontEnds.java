package io.rtmalloc.netty;

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

    static Allocator allocator(String frontEnd) {
        return RtMalloc.builder().frontEnd(frontEnd).build();
    }

    /** No block of {@code a} is in use, and the Netty allocator over it counts no direct byte. */
    static void assertNothingInUse(Allocator a, RtMallocByteBufAllocator netty) {
        assertEquals(0, netty.metric().usedDirectMemory(), "usedDirectMemory");
        a.flushThreadCache();
        AllocatorStats st = a.stats();
        assertEquals(0, st.bytesInUse(), () -> "bytes still in use:\n" + st);
        a.checkInvariants();
    }
}
