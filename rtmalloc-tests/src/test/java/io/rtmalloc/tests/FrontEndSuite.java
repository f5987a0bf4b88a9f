package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.SizeClassStats;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;

/**
 * The base of the suites run over every front end ServiceLoader finds: a test
 * takes the front end's name ({@code @MethodSource("frontEnds")}), builds its
 * allocator with {@link #make}, and has the invariants of every tier checked
 * after it.
 */
abstract class FrontEndSuite {

    static Stream<String> frontEnds() {
        return RtMalloc.frontEnds().stream();
    }

    Allocator allocator;

    /** Frees everything and checks that the accounting returns to zero. */
    static void assertBalanced(Allocator a) {
        a.flushThreadCache();
        AllocatorStats st = a.stats();
        assertEquals(0, st.bytesInUse(), () -> "bytes still in use:\n" + st);
        assertEquals(0, st.largeBytesInUse());
        for (SizeClassStats c : st.sizeClasses()) {
            assertEquals(0, c.inUse(), "class " + c.sizeClass());
        }
        assertAddsUp(st);
    }

    static void assertAddsUp(AllocatorStats st) {
        assertEquals(st.mappedBytes(), st.bytesInUse() + st.frontEndCacheBytes() + st.transferCacheBytes()
                + st.centralFreeBytes() + st.pageHeapFreeBytes() + st.releasedBytes(), () -> "figures do not add up:\n" + st);
    }

    Allocator make(String frontEnd) {
        allocator = RtMalloc.builder().frontEnd(frontEnd).build();
        return allocator;
    }

    @AfterEach
    void checkInvariants() {
        if (allocator != null) {
            allocator.flushThreadCache();
            allocator.checkInvariants();
        }
    }
}
