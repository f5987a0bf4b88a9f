package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.ConfigException;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.ConfigFixtures;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds of the configuration end to end: the values that once threw
 * {@link ArithmeticException}, {@link OutOfMemoryError} or
 * {@link NegativeArraySizeException} from {@code build()} are
 * {@link ConfigException}s before anything is built, and every knob at its
 * upper bound at once builds a working allocator over every front end.
 */
class ConfigBoundsTest extends FrontEndSuite {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "max_transfer_slots, 2147483647",
        "max_transfer_slots, 10000000",
        "max_pages,          2147483647",
        "max_pages,          10000000",
        "max_free_list_length, 2147483647",
        "per_cpu_cache_size, 9223372036854775807",
        "thread_cache_size,  9223372036854775807",
    })
    void absurdKnob_isConfigException_beforeAnythingIsBuilt(String knob, String value) {
        String toml = "classes = [8, 16]\n[config]\n" + knob + " = " + value + "\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> RtMalloc.builder().frontEnd("global").config(toml).build());
        assertEquals("config." + knob, e.key(), e.getMessage());
        assertEquals(3, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("<string>:3: config." + knob + ": "), e.getMessage());
    }

    @ParameterizedTest(name = "batch_size = {0}")
    @CsvSource({"2147483647", "10000000", "4097"})
    void absurdBatchSize_isConfigException_beforeAnythingIsBuilt(String value) {
        String toml = "[[class]]\nsize = 8\n\n[[class]]\nsize = 16\nbatch_size = " + value + "\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> RtMalloc.builder().frontEnd("global").config(toml).build());
        assertEquals("class[1].batch_size", e.key(), e.getMessage());
        assertEquals(6, e.line(), e.getMessage());
    }

    /** Every knob at its upper bound (the largest span kept small: it is not what this tests). */
    private static Config everyKnobAtItsBound() {
        return ConfigFixtures.everyKnobAtItsBound()
                .addClass(4096)
                .addClass(Config.MAX_CLASS_SIZE, 8, 2)
                .build();
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyKnobAtItsBound_buildsAWorkingAllocator(String fe) {
        Allocator a = make(fe, everyKnobAtItsBound());
        for (long size : new long[] {8, 4096, Config.MAX_CLASS_SIZE, 5L << 20}) {
            List<Long> blocks = new ArrayList<>();
            int n = size <= 4096 ? 20_000 : 3;
            for (int i = 0; i < n; i++) {
                long p = a.malloc(size);
                assertTrue(p != 0 && a.usableSize(p) >= size);
                blocks.add(p);
            }
            for (long p : blocks) {
                a.free(p);
            }
        }
        a.checkInvariants();
        assertBalanced(a);
    }
}
