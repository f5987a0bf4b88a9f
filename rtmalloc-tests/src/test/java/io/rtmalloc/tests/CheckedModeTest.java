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
 * against the block's span, and a record of live blocks catches every double
 * free (default mode catches one only when the block is the head of the list
 * it joins) and every {@code realloc} or {@code usableSize} of a freed block.
 * Run by its own surefire execution with the property set; the default
 * execution leaves it out.
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

    @ParameterizedTest
    @MethodSource("variants")
    void everyDoubleFree_andEveryUseOfAFreedBlock_isIllegalArgument_andChangesNothing(String variant) {
        Allocator a = make(variant);
        for (long size : new long[] {16, 64, 1000, 40_000, 300_000, 3 << 20}) {
            long p = a.malloc(size);
            long q = a.malloc(size);
            a.free(p);
            a.free(q); // p is no longer the head of any list: default mode would take it again
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> a.free(p));
            assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
            assertTrue(twice.getMessage().contains("rtmalloc.checked.stacks"), twice.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.free(p, size));
            IllegalArgumentException realloc = assertThrows(IllegalArgumentException.class, () -> a.realloc(p, 8));
            assertTrue(realloc.getMessage().contains("use after free"), realloc.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.usableSize(p));
            long r = a.malloc(size); // the allocator goes on, and hands each block out once
            long s = a.malloc(size);
            assertTrue(r != s);
            a.free(r);
            a.free(s);
        }
        a.flushThreadCache();
        a.checkInvariants();
        assertBalanced(a);
    }
}
