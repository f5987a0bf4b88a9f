package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.rtmalloc.tests.FrontEndSuite.assertBalanced;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checked mode ({@code -Drtmalloc.checked=true}): every free is validated
 * against the block's span, so an address inside a small block is caught by
 * every front end (unchecked, the caching front ends check only that the
 * address lies in a small span of the allocator). Run by its own surefire execution with the property set; the default
 * execution leaves it out, since unchecked mode trusts such a free.
 */
class CheckedModeTest extends FrontEndSuite {


    @BeforeAll
    static void runsInCheckedMode() {
        assertTrue(Boolean.getBoolean("rtmalloc.checked"), "this suite must run with -Drtmalloc.checked=true");
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void free_insideASmallBlock_isIllegalArgument(String fe) {
        Allocator a = make(fe);
        long p = a.malloc(64);
        assertThrows(IllegalArgumentException.class, () -> a.free(p + 8));
        assertThrows(IllegalArgumentException.class, () -> a.free(p + 32));
        assertThrows(IllegalArgumentException.class, () -> a.free(p + 8, 64));
        assertThrows(IllegalArgumentException.class, () -> a.free(p + 24, 56));
        a.free(p, 64);
        a.flushThreadCache();
        a.checkInvariants();
        assertBalanced(a);
    }
}
