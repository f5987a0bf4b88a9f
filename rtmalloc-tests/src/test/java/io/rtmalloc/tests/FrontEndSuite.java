package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.SizeClassStats;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.FrontEnds;
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

    /** Every front end ServiceLoader finds ({@link FrontEnds#names()}). */
    static Stream<String> frontEnds() {
        return FrontEnds.names();
    }

    /** The suffix of a variant that runs the test through {@link Allocator#threadBound()}. */
    static final String BOUND = "+bound";

    /** Every front end, plain and through its thread-bound view (for single-threaded suites). */
    static Stream<String> variants() {
        return frontEnds().flatMap(fe -> Stream.of(fe, fe + BOUND));
    }

    /** The suffix of a variant whose allocator has pages of {@link #SMALL_PAGE} bytes rather than the default. */
    static final String SMALL_PAGES = "+4k";

    /** The second page size of the matrix: the smallest the configuration allows. */
    static final int SMALL_PAGE = Config.MIN_PAGE_SIZE;

    /**
     * The end-to-end matrix: every front end, plain and thread-bound, with the
     * default pages and with {@link #SMALL_PAGE}-byte ones. The suites that use
     * it also run in checked mode, in the surefire execution that sets
     * {@code -Drtmalloc.checked=true}.
     */
    static Stream<String> matrix() {
        return variants().flatMap(v -> Stream.of(v, v + SMALL_PAGES));
    }

    /** The front end of a variant's name. */
    static String frontEndOf(String variant) {
        String v = variant.endsWith(SMALL_PAGES) ? variant.substring(0, variant.length() - SMALL_PAGES.length()) : variant;
        return v.endsWith(BOUND) ? v.substring(0, v.length() - BOUND.length()) : v;
    }

    /**
     * The default configuration, or for a {@link #SMALL_PAGES} variant the
     * default knobs and class sizes with {@link #SMALL_PAGE}-byte pages, each
     * class's pages and batch derived for that page size.
     */
    static Config configOf(String variant) {
        if (!variant.endsWith(SMALL_PAGES)) {
            return Config.defaults();
        }
        Config.Builder b = Config.defaults().toBuilder().clearClasses().pageSize(SMALL_PAGE);
        for (int size : SizeClasses.defaultSizes()) {
            b.addClassSpec(size, null, null);
        }
        return b.build();
    }

    /** What the test calls: the allocator, or its thread-bound view. */
    Allocator allocator;
    /** The allocator built, closed after the test. */
    private Allocator owner;

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

    /** An allocator of the variant's front end (a thread-bound view of one for a {@link #BOUND} variant). */
    Allocator make(String variant) {
        return make(variant, configOf(variant));
    }

    /** {@link #make(String)} with a configuration. */
    Allocator make(String variant, Config config) {
        owner = RtMalloc.builder().frontEnd(frontEndOf(variant)).config(config).build();
        allocator = variant.contains(BOUND) ? owner.threadBound() : owner;
        return allocator;
    }

    /** Checks the invariants of every tier after the test, then closes the allocator. */
    @AfterEach
    void checkInvariantsAndClose() {
        if (allocator != null) {
            allocator.flushThreadCache();
            allocator.checkInvariants();
            owner.close();
        }
    }
}
