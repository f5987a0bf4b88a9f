package io.rtmalloc.toml;

import io.rtmalloc.Config;
import io.rtmalloc.ConfigException;
import io.rtmalloc.SizeClass;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.testsupport.ConfigFixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bounds of every knob: absurd values (the extremes of the field's type,
 * negative, 0, 10^7, 10^12, one past the bound, and values whose products
 * overflow) are {@link ConfigException}s naming the key and the line, from a
 * file and from the builder alike, and the bounds themselves are accepted.
 */
class ConfigBoundsTest {

    private static final String SRC = "bounds.toml";

    private static final String INT_MAX = String.valueOf(Integer.MAX_VALUE);
    private static final String LONG_MAX = String.valueOf(Long.MAX_VALUE);
    private static final String E7 = "10000000";
    private static final String E12 = "1000000000000";

    // ------------------------------------------------------------------ helpers

    /** Asserts that {@code toml} fails at {@code key} and {@code line}, and that the message says so. */
    private static ConfigException assertFailsAt(String toml, String key, int line) {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.parse(toml, SRC), toml);
        String m = e.getMessage();
        assertEquals(SRC, e.source(), m);
        assertEquals(key, e.key(), m);
        assertEquals(line, e.line(), m);
        assertTrue(m.startsWith(SRC + ":" + line + ": " + key + ": "), m);
        return e;
    }

    /** A file whose line 4 sets {@code knob} of [config] to {@code value}. */
    private static String knobFile(String knob, String value) {
        return "classes = [8, 16]\n\n[config]\n" + knob + " = " + value + "\n";
    }

    /** A file whose line 4 sets {@code field} of the second [[class]] to {@code value}. */
    private static String classFile(String field, String value) {
        return "[[class]]\nsize = 8\n[[class]]\n" + field + " = " + value + "\n"
                + (field.equals("size") ? "" : "size = 16\n");
    }

    private static Stream<Arguments> cases(String knob, String... values) {
        return Stream.of(values).map(v -> Arguments.of(knob, v));
    }

    // ------------------------------------------------------------------ knobs of [config], from a file

    /** Every int knob: its type's extremes, negative, 0, 10^7, 10^12 and one past its bound. */
    static Stream<Arguments> absurdIntKnobs() {
        return Stream.of(
                cases("page_size", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "4194304", "1073741824"),
                cases("max_free_list_length", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "1048577"),
                cases("max_overages", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "65537"),
                cases("max_transfer_slots", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "2049"),
                cases("max_pages", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "65537"))
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurdIntKnobs")
    void parse_absurdCountOrPageSize_namesKeyAndLine(String knob, String value) {
        assertFailsAt(knobFile(knob, value), "config." + knob, 4);
    }

    /** Every byte budget and rate: the extremes, negative, 0, and what lies past its bound (10^7 and 10^12 may fit). */
    static Stream<Arguments> absurdByteKnobs() {
        String pastShare = String.valueOf(Config.MAX_CACHE_SHARE + 1);
        String pastBytes = String.valueOf(Config.MAX_BYTES + 1);
        return Stream.of(
                cases("thread_cache_size", LONG_MAX, "-1", "0", pastBytes, "1000000000000000"),
                cases("min_per_thread_cache", INT_MAX, LONG_MAX, "-1", "0", E12, pastShare),
                cases("steal_amount", INT_MAX, LONG_MAX, "-1", "0", E12, pastShare),
                cases("per_cpu_cache_size", INT_MAX, LONG_MAX, "-1", "0", E12, pastShare),
                cases("release_rate", LONG_MAX, "-1", "0", pastBytes, "1000000000000000"),
                cases("large_release_threshold", LONG_MAX, "-1", "100", pastBytes, "1000000000000000"),
                cases("memory_limit", LONG_MAX, "-1", "100", pastBytes, "1000000000000000"),
                cases("memory_limit_hard", LONG_MAX, "-1", "100", pastBytes, "1000000000000000"))
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurdByteKnobs")
    void parse_absurdBytes_namesKeyAndLine(String knob, String value) {
        assertFailsAt(knobFile(knob, value), "config." + knob, 4);
    }

    /** Times, and the address space (which must also be a multiple of the page size). */
    static Stream<Arguments> absurdTimesAndAddressSpace() {
        return Stream.of(
                cases("release_decay_ms", INT_MAX, LONG_MAX, "-1", E12, "86400001"),
                cases("large_release_delay_ms", INT_MAX, LONG_MAX, "-1", E12, "86400001"),
                cases("address_space", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "140737488355328"))
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurdTimesAndAddressSpace")
    void parse_absurdTimeOrAddressSpace_namesKeyAndLine(String knob, String value) {
        assertFailsAt(knobFile(knob, value), "config." + knob, 4);
    }

    @Test
    void parse_outOfRange_saysTheRange() {
        ConfigException e = assertFailsAt(knobFile("max_transfer_slots", E7), "config.max_transfer_slots", 4);
        assertEquals("10000000 is out of range: it must be from 1 to 2048", e.problem());
        e = assertFailsAt(knobFile("per_cpu_cache_size", LONG_MAX), "config.per_cpu_cache_size", 4);
        assertEquals(LONG_MAX + " is out of range: it must be from 1 to 1073741824 (1 GiB) bytes", e.problem());
        e = assertFailsAt(knobFile("page_size", "4194304"), "config.page_size", 4);
        assertEquals("4194304 is out of range: it must be from 4096 (4 KiB) to 2097152 (2 MiB) bytes (a power of two)",
                e.problem());
        e = assertFailsAt(knobFile("memory_limit", LONG_MAX), "config.memory_limit", 4);
        assertTrue(e.problem().contains("to 70368744177664 (64 TiB) bytes"), e.getMessage());
    }

    // ------------------------------------------------------------------ fields of a class, from a file

    static Stream<Arguments> absurdClassFields() {
        return Stream.of(
                cases("size", INT_MAX, LONG_MAX, "-1", "0", E12, String.valueOf(Config.MAX_CLASS_SIZE + 8)),
                cases("pages", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "131073"),
                // 2049 is within batch_size's own bound but times the 64 default slots past MAX_TRANSFER_BLOCKS
                cases("batch_size", INT_MAX, LONG_MAX, "-1", "0", E7, E12, "4097", "2049"))
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurdClassFields")
    void parse_absurdClassField_namesKeyAndLine(String field, String value) {
        assertFailsAt(classFile(field, value), "class[1]." + field, 4);
    }

    @Test
    void parse_absurdShorthandSize_namesElementAndLine() {
        for (String v : List.of(INT_MAX, LONG_MAX, "-1", "0", E12)) {
            assertFailsAt("classes = [\n  8,\n  " + v + ",\n]\n", "classes[1]", 3);
        }
    }

    @Test
    void parse_integerBeyond64Bits_namesKeyAndLine() {
        // TOML itself refuses these: still the key and the line of the value.
        ConfigException e = assertFailsAt(knobFile("max_pages", "9223372036854775808"), "config.max_pages", 4);
        assertTrue(e.problem().contains("too large") && e.problem().contains("64-bit"), e.getMessage());
        assertFailsAt(classFile("batch_size", "99999999999999999999999"), "class[1].batch_size", 4);
        assertFailsAt(knobFile("memory_limit", "-9223372036854775809"), "config.memory_limit", 4);
        assertFailsAt("classes = [8, 99999999999999999999]\n", "classes", 1);
    }

    // ------------------------------------------------------------------ products that would overflow

    @Test
    void parse_batchTimesTransferSlots_pastTheBound_namesTheBatchAndItsLine() {
        // each within its own bound, together 2^23 blocks: a 64 MiB long[] per class
        ConfigException e = assertFailsAt("""
                [config]
                max_transfer_slots = 2048
                [[class]]
                size = 8
                batch_size = 4096
                """, "class[0].batch_size", 5);
        assertTrue(e.problem().contains("max_transfer_slots 2048") && e.problem().contains("8388608"),
                e.getMessage());
        // a batch from the auto rules (511 with 2 MiB pages): the error points at the class's table
        assertFailsAt("""
                [config]
                page_size = 2097152
                max_transfer_slots = 2048
                [[class]]
                size = 8
                [[class]]
                size = 4104
                """, "class[1].batch_size", 6);
        // shorthand: at the element
        assertFailsAt("classes = [8, 4104]\n[config]\npage_size = 2097152\nmax_transfer_slots = 2048\n",
                "classes[1]", 1);
        // exactly the bound is fine
        assertEquals(64 * 2048, Config.MAX_TRANSFER_BLOCKS);
        Config c = Config.parse("[config]\nmax_transfer_slots = 64\n[[class]]\nsize = 8\nbatch_size = 2048\n");
        assertEquals(2048, c.classes().get(0).batchSize());
    }

    @Test
    void maxTransferSlots_atItsBound_fitsEveryShippedClass() {
        Config c = Config.defaults().toBuilder().maxTransferSlots(Config.MAX_TRANSFER_SLOTS).build();
        assertEquals(Config.MAX_TRANSFER_SLOTS, c.maxTransferSlots());
    }

    @Test
    void autoRules_atTheLargestPage_fitTheDefaultTransferSlots() {
        // the smallest class above 4096 has the largest auto batch
        Config c = Config.builder().pageSize(Config.MAX_PAGE_SIZE).addClasses(8, 1024, 4104, 8192, 1 << 20,
                Config.MAX_CLASS_SIZE).build();
        int largest = c.classes().stream().mapToInt(SizeClass::batchSize).max().orElseThrow();
        assertEquals(Config.MAX_PAGE_SIZE / 4104, largest);
        assertTrue((long) largest * Config.DEFAULT_MAX_TRANSFER_SLOTS <= Config.MAX_TRANSFER_BLOCKS);
    }

    // ------------------------------------------------------------------ the bounds themselves

    /** Every knob at its upper bound at once: the largest configuration allowed. */
    static Config.Builder everyKnobAtItsBound() {
        return ConfigFixtures.everyKnobAtItsBound()
                .addClass(Config.MAX_CLASS_SIZE, Config.MAX_SPAN_BYTES / Config.MAX_PAGE_SIZE, 2);
    }

    @Test
    void everyKnobAtItsBound_isAccepted_andRoundTrips() {
        Config c = everyKnobAtItsBound().build();
        assertEquals(Config.MAX_PAGES, c.maxPages());
        assertEquals(c, Config.parse(TomlConfig.write(c), Config.CODE_SOURCE));
    }

    // ------------------------------------------------------------------ built in code

    /** Each knob set absurdly through the builder, with the key the error must name. */
    static Stream<Arguments> absurdBuilderValues() {
        List<Arguments> all = new ArrayList<>();
        for (long v : new long[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0, 10_000_000, 1_000_000_000_000L}) {
            int i = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
            all.add(builder("config.page_size", v, b -> b.pageSize(i)));
            all.add(builder("config.max_free_list_length", v, b -> b.maxFreeListLength(i)));
            all.add(builder("config.max_overages", v, b -> b.maxOverages(i)));
            all.add(builder("config.max_transfer_slots", v, b -> b.maxTransferSlots(i)));
            all.add(builder("config.max_pages", v, b -> b.maxPages(i)));
            if (v != 10_000_000) { // a class of 10^7 bytes is allowed (under 16 MiB)
                all.add(builder("class[0].size", v, b -> b.addClass(i)));
            }
            all.add(builder("class[0].pages", v, b -> b.addClass(8, i, 1)));
            all.add(builder("class[0].batch_size", v, b -> b.addClass(8, 1, i)));
        }
        for (long v : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, -1, Config.MAX_BYTES + 1}) {
            all.add(builder("config.thread_cache_size", v, b -> b.threadCacheSize(v)));
            all.add(builder("config.min_per_thread_cache", v, b -> b.minPerThreadCache(v)));
            all.add(builder("config.steal_amount", v, b -> b.stealAmount(v)));
            all.add(builder("config.per_cpu_cache_size", v, b -> b.perCpuCacheSize(v)));
            all.add(builder("config.address_space", v, b -> b.addressSpace(v)));
            all.add(builder("config.release_decay_ms", v, b -> b.releaseDecayMs(v)));
            all.add(builder("config.release_rate", v, b -> b.releaseRate(v)));
            all.add(builder("config.large_release_threshold", v, b -> b.largeReleaseThreshold(v)));
            all.add(builder("config.large_release_delay_ms", v, b -> b.largeReleaseDelayMs(v)));
            all.add(builder("config.memory_limit", v, b -> b.memoryLimit(v)));
            all.add(builder("config.memory_limit_hard", v, b -> b.memoryLimitHard(v)));
        }
        for (long v : new long[] {Integer.MAX_VALUE, 1_000_000_000_000L, Config.MAX_CACHE_SHARE + 1}) {
            all.add(builder("config.min_per_thread_cache", v, b -> b.minPerThreadCache(v)));
            all.add(builder("config.steal_amount", v, b -> b.stealAmount(v)));
            all.add(builder("config.per_cpu_cache_size", v, b -> b.perCpuCacheSize(v)));
        }
        return all.stream();
    }

    private static Arguments builder(String key, long value, UnaryOperator<Config.Builder> set) {
        return Arguments.of(key, value, set);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurdBuilderValues")
    void builder_absurdValue_isTheSameErrorAtLineZero(String key, long value, UnaryOperator<Config.Builder> set) {
        Config.Builder b = Config.builder().source("mine");
        if (!key.startsWith("class")) {
            b.addClass(8);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> set.apply(b).build());
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(0, e.line());
        assertEquals("mine", e.source());
        assertTrue(e.getMessage().startsWith("mine: " + key + ": "), e.getMessage());
    }

    @Test
    void constructor_batchTimesSlotsPastTheBound_throws() {
        ConfigException e = assertThrows(ConfigException.class, () -> new Config(8192, 1 << 25, 1 << 19, 1 << 16,
                8192, 3, Config.MAX_TRANSFER_SLOTS, 128, 1 << 20, Config.DEFAULT_ADDRESS_SPACE, 0, 1, 0, 0, 0, 0,
                List.of(new SizeClass(8, 1, Config.MAX_BATCH_SIZE)), null));
        assertEquals("class[0].batch_size", e.key());
        assertEquals("<code>", e.source());
    }
}
