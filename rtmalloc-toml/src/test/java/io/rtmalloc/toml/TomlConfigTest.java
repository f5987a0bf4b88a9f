package io.rtmalloc.toml;

import io.rtmalloc.Config;
import io.rtmalloc.ConfigException;
import io.rtmalloc.SizeClass;
import io.rtmalloc.SizeClasses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TomlConfigTest {

    private static final String SRC = "test.toml";

    /** The 45 classes of the shipped file. */
    private static final int[] SHIPPED_SIZES = {
        8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
        640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
        10240, 12288, 16384, 20480, 32768, 40960, 65536, 131072, 262144};

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers

    private static ConfigException fails(String toml) {
        return assertThrows(ConfigException.class, () -> Config.parse(toml, SRC));
    }

    /** Asserts the error's source, key, line, and that the message holds all three. */
    private static void assertAt(ConfigException e, String key, int line) {
        String m = e.getMessage();
        assertEquals(SRC, e.source(), m);
        assertEquals(key, e.key(), m);
        assertEquals(line, e.line(), m);
        String where = line > 0 ? SRC + ":" + line + ": " : SRC + ": ";
        assertTrue(m.startsWith(where + (key == null ? "" : key + ": ")), m);
    }

    private static void assertAt(String toml, String key, int line) {
        assertAt(fails(toml), key, line);
    }

    private static Config config(int pageSize, List<SizeClass> classes) {
        return new Config(pageSize, Config.DEFAULT_THREAD_CACHE_SIZE, Config.DEFAULT_MIN_PER_THREAD_CACHE,
                Config.DEFAULT_STEAL_AMOUNT, Config.DEFAULT_MAX_FREE_LIST_LENGTH, Config.DEFAULT_MAX_OVERAGES,
                Config.DEFAULT_MAX_TRANSFER_SLOTS, Config.DEFAULT_MAX_PAGES, Config.DEFAULT_PER_CPU_CACHE_SIZE,
                Config.DEFAULT_ADDRESS_SPACE, Config.DEFAULT_RELEASE_DECAY_MS, Config.DEFAULT_RELEASE_RATE,
                Config.DEFAULT_LARGE_RELEASE_THRESHOLD, Config.DEFAULT_LARGE_RELEASE_DELAY_MS, 0, 0, classes, null);
    }

    private static void assertSameExceptSource(Config expected, Config actual) {
        assertEquals(expected, new Config(actual.pageSize(), actual.threadCacheSize(), actual.minPerThreadCache(),
                actual.stealAmount(), actual.maxFreeListLength(), actual.maxOverages(), actual.maxTransferSlots(),
                actual.maxPages(), actual.perCpuCacheSize(), actual.addressSpace(), actual.releaseDecayMs(),
                actual.releaseRate(), actual.largeReleaseThreshold(), actual.largeReleaseDelayMs(),
                actual.memoryLimit(), actual.memoryLimitHard(), actual.classes(), expected.source()));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    // ------------------------------------------------------------------ defaults()

    @Test
    void defaults_hasDefaultKnobs() {
        Config c = Config.defaults();
        assertEquals(8192, c.pageSize());
        assertEquals(33554432L, c.threadCacheSize());
        assertEquals(524288L, c.minPerThreadCache());
        assertEquals(65536L, c.stealAmount());
        assertEquals(8192, c.maxFreeListLength());
        assertEquals(3, c.maxOverages());
        assertEquals(64, c.maxTransferSlots());
        assertEquals(128, c.maxPages());
        assertEquals(1572864, c.perCpuCacheSize());
        assertEquals(274877906944L, c.addressSpace());
        assertEquals(Config.DEFAULT_ADDRESS_SPACE, c.addressSpace());
        assertEquals(Config.DEFAULT_SOURCE, c.source());
    }

    @Test
    void defaults_hasThe45ShippedClassesByAutoRules() {
        List<SizeClass> classes = Config.defaults().classes();
        assertEquals(45, classes.size());
        assertEquals(IntStream.of(SHIPPED_SIZES).boxed().toList(),
                classes.stream().map(SizeClass::size).toList());
        for (SizeClass c : classes) {
            assertEquals(SizeClasses.autoPages(c.size(), 8192), c.pages(), "pages of " + c.size());
            assertEquals(SizeClasses.autoBatchSize(c.size(), 8192), c.batchSize(), "batch of " + c.size());
        }
        assertEquals(new SizeClass(8, 1, 32), classes.get(0));
        assertEquals(new SizeClass(1280, 8, 51), classes.get(24));
        assertEquals(new SizeClass(10240, 10, 2), classes.get(36));
        assertEquals(new SizeClass(262144, 64, 2), classes.get(44));
    }

    @Test
    void defaults_calledTwice_isParsedOnce() {
        assertSame(Config.defaults(), Config.defaults());
    }

    @Test
    void shippedFile_fromNamedModule_isTheDefaults() throws IOException {
        // The tests run on the module path: the shipped file must be found from
        // inside the named module io.rtmalloc.toml, and say what the code does.
        Module module = TomlConfig.class.getModule();
        assertTrue(module.isNamed(), "tests are expected to run on the module path");
        assertEquals("io.rtmalloc.toml", module.getName());
        String text;
        try (InputStream in = TomlConfig.class.getResourceAsStream("/rtmalloc.toml")) {
            assertNotNull(in);
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Config shipped = TomlConfig.parse(text, Config.DEFAULT_SOURCE);
        assertEquals(Config.defaults(), shipped);
    }

    @Test
    void configParse_findsTheTomlReader() {
        Config c = Config.parse("classes = [8, 16]\n[config]\npage_size = 16384\n");
        assertEquals(16384, c.pageSize());
        assertEquals(List.of(8, 16), c.classes().stream().map(SizeClass::size).toList());
    }

    @Test
    void defaults_shippedFile_hasACommentBeforeEveryKnob() throws IOException {
        String text;
        try (InputStream in = TomlConfig.class.getResourceAsStream("/rtmalloc.toml")) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        List<String> lines = text.lines().toList();
        for (String key : List.of("page_size", "thread_cache_size", "min_per_thread_cache", "steal_amount",
                "max_free_list_length", "max_overages", "max_transfer_slots", "max_pages", "per_cpu_cache_size",
                "address_space", "release_decay_ms", "release_rate", "large_release_threshold",
                "large_release_delay_ms", "memory_limit", "memory_limit_hard")) {
            int at = lines.indexOf(lines.stream().filter(l -> l.startsWith(key + " = ")).findFirst().orElseThrow());
            assertTrue(lines.get(at - 1).startsWith("#"), "no comment above " + key);
        }
    }

    // ------------------------------------------------------------------ both class forms

    @Test
    void parse_classTables_resolvesMissingFieldsByAutoRules() {
        Config c = Config.parse("""
                [[class]]
                size = 16

                [[class]]
                size = 2048
                pages = 3

                [[class]]
                size = 40960
                batch_size = 7
                """);
        assertEquals(List.of(new SizeClass(16, 1, 32), new SizeClass(2048, 3, 32), new SizeClass(40960, 10, 7)),
                c.classes());
        assertEquals("<string>", c.source());
        assertEquals(Config.DEFAULT_PAGE_SIZE, c.pageSize());
    }

    @Test
    void parse_shorthand_usesAutoRules() {
        Config c = Config.parse("""
                classes = [8, 1280, 5120, 40960]
                [config]
                page_size = 4096
                """, SRC);
        assertEquals(List.of(new SizeClass(8, 1, 32), new SizeClass(1280, 16, 51), new SizeClass(5120, 10, 2),
                new SizeClass(40960, 20, 2)), c.classes());
        assertEquals(SRC, c.source());
    }

    @Test
    void parse_allKnobs_areRead() {
        Config c = Config.parse("""
                [config]
                page_size = 16384
                thread_cache_size = 8589934592
                min_per_thread_cache = 1000
                steal_amount = 2000
                max_free_list_length = 4
                max_overages = 5
                max_transfer_slots = 6
                max_pages = 7
                per_cpu_cache_size = 9000
                address_space = 1073741824
                [[class]]
                size = 8
                """);
        assertEquals(16384, c.pageSize());
        assertEquals(8589934592L, c.threadCacheSize());
        assertEquals(1000, c.minPerThreadCache());
        assertEquals(2000, c.stealAmount());
        assertEquals(4, c.maxFreeListLength());
        assertEquals(5, c.maxOverages());
        assertEquals(6, c.maxTransferSlots());
        assertEquals(7, c.maxPages());
        assertEquals(9000, c.perCpuCacheSize());
        assertEquals(1L << 30, c.addressSpace());
    }

    @Test
    void parse_noConfigTable_usesDefaultKnobs() {
        Config c = Config.parse("classes = [8]");
        assertEquals(Config.defaults().threadCacheSize(), c.threadCacheSize());
        assertEquals(Config.defaults().maxPages(), c.maxPages());
        assertEquals(8192, c.pageSize());
    }

    @Test
    void parse_bothClassForms_isError() {
        assertAt("""
                classes = [16]
                [[class]]
                size = 8
                """, "classes", 1);
    }

    @Test
    void parse_noClasses_isError() {
        assertAt("""
                [config]
                page_size = 8192
                """, "classes", 0);
    }

    @Test
    void parse_emptyShorthand_isError() {
        assertAt("""
                classes = []
                [config]
                max_pages = 10
                """, "classes", 1);
    }

    // ------------------------------------------------------------------ auto rules

    @ParameterizedTest
    @CsvSource({
        // size, page, pages, batch (hand-computed)
        "8,      8192, 1,  32",
        "1024,   8192, 4,  32",   // a batch of 32 KiB
        "1280,   8192, 8,  51",   // 65,280 bytes of batch: 8 pages, a tail of 256
        "4096,   8192, 8,  16",
        "5120,   8192, 2,   2",   // 1 page would leave 3,072 of 8,192: 2 leave 1,024
        "8192,   8192, 2,   2",
        "10240,  8192, 10,  2",
        "32768,  8192, 32,  2",
        "40960,  8192, 10,  2",
        "262144, 8192, 64,  2",
        "1000,   4096, 8,  32",
        "3000,   4096, 16, 21",   // 63,000 bytes of batch: 16 pages, a tail of 2,536
        "4096,   4096, 16, 16",
        "5120,   4096, 10,  2",
        "6000,   4096, 12,  2",
        "16384,  4096, 32,  2",
        "20480,  4096, 10,  2",
        "4096,  16384, 4,  16",
        "5120,  16384, 1,   3",
        "5456,  16384, 1,   3",
        "6144,  16384, 2,   2",   // 1 page would leave 4,096 (over an eighth): 2 leave 2,048
        "16384, 16384, 2,   2",
        "20480, 16384, 10,  2",
        "40000, 16384, 20,  2",
        "65536, 16384, 32,  2",
        "81920, 16384, 10,  2",
    })
    void autoRules_handComputed_match(int size, int page, int pages, int batch) {
        assertEquals(pages, SizeClasses.autoPages(size, page), "pages");
        assertEquals(batch, SizeClasses.autoBatchSize(size, page), "batch");
        // and through a file, where the rules apply to classes that leave them out
        Config c = Config.parse("[config]\npage_size = " + page + "\n[[class]]\nsize = " + size + "\n");
        assertEquals(new SizeClass(size, pages, batch), c.classes().get(0));
    }

    @Test
    void autoPages_followTheBatchSizeGiven() {
        // 1 KiB blocks: a batch of 8 fits one page, of 32 four pages, of 1000 the 64 KiB cap
        Config c = Config.parse("""
                [[class]]
                size = 1024
                batch_size = 8
                [[class]]
                size = 2048
                [[class]]
                size = 3072
                batch_size = 1000
                [[class]]
                size = 4096
                batch_size = 64
                pages = 1
                """);
        assertEquals(new SizeClass(1024, 1, 8), c.classes().get(0));
        assertEquals(new SizeClass(2048, 8, 32), c.classes().get(1));
        assertEquals(new SizeClass(3072, 8, 1000), c.classes().get(2), "65,536 bytes: 21 blocks, a tail of 1,024");
        assertEquals(new SizeClass(4096, 1, 64), c.classes().get(3), "pages given are kept");
        assertEquals(1, SizeClasses.autoPages(1024, 8192, 8));
        assertEquals(SizeClasses.autoPages(2048, 8192), SizeClasses.autoPages(2048, 8192, 32));
        for (int size = 8; size <= 8192; size += 8) {
            for (int batch : new int[] {1, 2, 32, 1000}) {
                long span = (long) SizeClasses.autoPages(size, 8192, batch) * 8192;
                assertTrue(span % size <= span / 8, "tail of " + size + " with batch " + batch);
                assertTrue(span <= 64 * 1024, "span of " + size + " with batch " + batch + ": " + span);
                assertTrue(span / size >= Math.min(batch, 64 * 1024 / size),
                        "a span of " + size + " holds a batch of " + batch + " (or what 64 KiB holds)");
            }
        }
    }

    @Test
    void autoPages_invalidPageSize_isError() {
        ConfigException e = assertThrows(ConfigException.class, () -> SizeClasses.autoPages(64, 0));
        assertEquals("config.page_size", e.key());
    }

    // ------------------------------------------------------------------ page_size and budgets

    @ParameterizedTest
    @ValueSource(ints = {5000, 2048, 0, 4095, 12288})
    void parse_badPageSize_namesKeyAndLine(int pageSize) {
        ConfigException e = fails("""
                classes = [8]

                [config]
                page_size = %d
                """.formatted(pageSize));
        assertAt(e, "config.page_size", 4);
        assertEquals(SRC + ":4: config.page_size: " + pageSize + " is not a power of two >= 4096", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"thread_cache_size", "min_per_thread_cache", "steal_amount", "max_free_list_length",
        "max_overages", "max_transfer_slots", "max_pages", "per_cpu_cache_size"})
    void parse_zeroBudget_namesKeyAndLine(String key) {
        ConfigException e = fails("""
                [config]
                page_size = 8192
                %s = 0
                [[class]]
                size = 8
                """.formatted(key));
        assertAt(e, "config." + key, 3);
        assertTrue(e.problem().contains("must be > 0"), e.getMessage());
    }

    @Test
    void parse_threadCacheBelowMinPerThread_isError() {
        assertAt("""
                [config]
                min_per_thread_cache = 4096
                thread_cache_size = 4095
                [[class]]
                size = 8
                """, "config.thread_cache_size", 3);
    }

    @Test
    void parse_threadCacheBelowDefaultMin_pointsAtTheGivenKey() {
        assertAt("""
                classes = [8]
                [config]
                thread_cache_size = 1024
                """, "config.thread_cache_size", 3);
    }

    @Test
    void parse_minPerThreadAboveDefaultTotal_pointsAtConfigTable() {
        // thread_cache_size is absent (its default is the one too small): the [config] line
        assertAt("""
                classes = [8]
                [config]
                min_per_thread_cache = 67108864
                """, "config.thread_cache_size", 2);
    }

    // ------------------------------------------------------------------ class rules

    // ------------------------------------------------------------------ address_space

    @Test
    void parse_noAddressSpace_isTheDefault256GiB() {
        Config c = Config.parse("classes = [8]\n[config]\nmax_pages = 9\n");
        assertEquals(256L << 30, c.addressSpace());
        assertEquals(Config.DEFAULT_ADDRESS_SPACE, Config.builder().addClass(8).build().addressSpace());
    }

    @ParameterizedTest
    @ValueSource(longs = {16777216L, 1073741824L, 274877906944L, 70368744177664L})
    void parse_addressSpaceInBounds_isRead(long bytes) {
        Config c = Config.parse("""
                classes = [8]
                [config]
                address_space = %d
                """.formatted(bytes), SRC);
        assertEquals(bytes, c.addressSpace());
        assertSameExceptSource(c, Config.parse(TomlConfig.write(c)));
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, 8192L, 16769024L, 70368744185856L, 1L << 47, Long.MAX_VALUE})
    void parse_addressSpaceOutOfBounds_namesKeyAndLine(long bytes) {
        ConfigException e = fails("""
                classes = [8]
                [config]
                page_size = 8192

                address_space = %d
                """.formatted(bytes));
        assertAt(e, "config.address_space", 5);
        assertTrue(e.problem().contains("out of range") && e.problem().contains("16777216"), e.getMessage());
    }

    @Test
    void parse_addressSpaceNotAPageMultiple_namesKeyAndLine() {
        ConfigException e = fails("""
                classes = [8]
                [config]
                page_size = 65536
                address_space = 16809984
                """);
        assertAt(e, "config.address_space", 4);
        assertEquals(SRC + ":4: config.address_space: 16809984 is not a multiple of page_size (65536)",
                e.getMessage());
    }

    @Test
    void parse_addressSpaceNegativeOrFloat_isError() {
        assertAt("classes = [8]\n[config]\naddress_space = -1\n", "config.address_space", 3);
        assertAt("classes = [8]\n[config]\naddress_space = 1.5e9\n", "config.address_space", 3);
    }

    @Test
    void builder_addressSpaceOutOfBounds_throwsAtLineZero() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.builder().addClass(8).addressSpace(1L << 20).build());
        assertEquals("config.address_space", e.key());
        assertEquals(0, e.line());
        assertEquals("<code>", e.source());
        assertEquals(1L << 40, Config.builder().addClass(8).addressSpace(1L << 40).build().addressSpace());
    }

    // ------------------------------------------------------------------ release and limits

    @Test
    void parse_releaseKeys_areRead_andDefaultWhenAbsent() {
        Config c = Config.parse("""
                classes = [8]
                [config]
                release_decay_ms = 2500
                release_rate = 1048576
                large_release_threshold = 65536
                large_release_delay_ms = 300
                memory_limit = 1073741824
                memory_limit_hard = 2147483648
                """, SRC);
        assertEquals(2500, c.releaseDecayMs());
        assertEquals(1 << 20, c.releaseRate());
        assertEquals(65536, c.largeReleaseThreshold());
        assertEquals(300, c.largeReleaseDelayMs());
        assertEquals(1L << 30, c.memoryLimit());
        assertEquals(2L << 30, c.memoryLimitHard());
        assertTrue(c.backgroundRelease());
        assertSameExceptSource(c, Config.parse(TomlConfig.write(c)));

        Config d = Config.parse("classes = [8]");
        assertEquals(Config.DEFAULT_RELEASE_DECAY_MS, d.releaseDecayMs());
        assertEquals(10_000, d.releaseDecayMs());
        assertEquals(Config.DEFAULT_RELEASE_RATE, d.releaseRate());
        assertEquals(32L << 20, d.largeReleaseThreshold());
        assertEquals(0, d.largeReleaseDelayMs());
        assertEquals(0, d.memoryLimit());
        assertEquals(0, d.memoryLimitHard());
        assertTrue(d.backgroundRelease());
    }

    @Test
    void backgroundReleaseOff_switchesDecayAndLargeBlocksOff() {
        Config c = Config.builder().addClass(8).backgroundReleaseOff().build();
        assertEquals(0, c.releaseDecayMs());
        assertEquals(0, c.largeReleaseThreshold());
        assertFalse(c.backgroundRelease());
        Config delayOnly = Config.builder().addClass(8).releaseDecayMs(0).largeReleaseDelayMs(5).build();
        assertTrue(delayOnly.backgroundRelease(), "freed large blocks wait for the release thread");
        Config atFree = Config.builder().addClass(8).releaseDecayMs(0).build();
        assertFalse(atFree.backgroundRelease(), "large blocks go back at free: no thread needed");
    }

    @Test
    void parse_memoryLimitHardUnderTheSoftOne_namesTheHardKeyAndLine() {
        ConfigException e = fails("""
                classes = [8]
                [config]
                memory_limit = 1073741824
                memory_limit_hard = 536870912
                """);
        assertAt(e, "config.memory_limit_hard", 4);
        assertTrue(e.problem().contains("under memory_limit"), e.getMessage());
    }

    @Test
    void parse_releaseKeysOutOfRange_nameKeyAndLine() {
        assertAt("classes = [8]\n[config]\nrelease_decay_ms = 86400001\n", "config.release_decay_ms", 3);
        assertAt("classes = [8]\n[config]\nlarge_release_delay_ms = 86400001\n", "config.large_release_delay_ms", 3);
        assertAt("classes = [8]\n[config]\nrelease_rate = 0\n", "config.release_rate", 3);
        assertAt("classes = [8]\n[config]\nlarge_release_threshold = 4096\n", "config.large_release_threshold", 3);
        assertAt("classes = [8]\n[config]\nmemory_limit = 100\n", "config.memory_limit", 3);
        assertAt("classes = [8]\n[config]\nmemory_limit_hard = 8191\n", "config.memory_limit_hard", 3);
        assertAt("classes = [8]\n[config]\nmemory_limit = -1\n", "config.memory_limit", 3);
        assertAt("classes = [8]\n[config]\nrelease_decay_ms = 1.5\n", "config.release_decay_ms", 3);
        assertAt("classes = [8]\n[config]\nmemory_limit_hard = \"1G\"\n", "config.memory_limit_hard", 3);
    }

    @Test
    void builder_memoryLimits_checkedAtLineZero() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.builder().addClass(8).memoryLimit(1L << 30).memoryLimitHard(1L << 20).build());
        assertEquals("config.memory_limit_hard", e.key());
        assertEquals(0, e.line());
        assertEquals(0, Config.builder().addClass(8).memoryLimit(0).memoryLimitHard(1L << 20).build().memoryLimit());
    }

    @Test
    void parse_zeroClassSize_isError() {
        assertAt("""
                [[class]]
                size = 8
                [[class]]
                size = 0
                """, "class[1].size", 4);
    }

    @Test
    void parse_classSizeNotMultipleOf8_isError() {
        ConfigException e = fails("""
                [[class]]
                size = 8
                [[class]]
                pages = 1
                size = 20
                """);
        assertAt(e, "class[1].size", 5);
        assertTrue(e.problem().contains("multiple of 8"), e.getMessage());
    }

    @Test
    void parse_classSizesNotAscending_isError() {
        assertAt("""
                [[class]]
                size = 16
                [[class]]
                size = 8
                """, "class[1].size", 4);
    }

    @Test
    void parse_duplicateClassSize_isError() {
        assertAt("classes = [8, 16, 16]", "classes[2]", 1);
    }

    @Test
    void parse_classSizeAboveLimit_isError() {
        assertAt("classes = [8, " + (Config.MAX_CLASS_SIZE + 8) + "]", "classes[1]", 1);
        // the limit itself is fine
        assertEquals(Config.MAX_CLASS_SIZE, Config.parse("classes = [" + Config.MAX_CLASS_SIZE + "]")
                .classes().get(0).size());
    }

    @Test
    void parse_shorthandError_pointsAtTheElementLine() {
        assertAt("""
                classes = [
                  8,
                  12,
                ]
                """, "classes[1]", 3);
    }

    @Test
    void parse_tooManyClassTables_isError() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= 64; i++) {
            b.append("[[class]]\nsize = ").append(8 * i).append('\n');
        }
        ConfigException e = fails(b.toString());
        assertAt(e, "class[63]", 127);
        assertTrue(e.problem().contains("64"), e.getMessage());
    }

    @Test
    void parse_tooManyShorthandClasses_isError() {
        String sizes = String.join(",\n", IntStream.rangeClosed(1, 64).mapToObj(i -> String.valueOf(8 * i)).toList());
        assertAt("classes = [\n" + sizes + "\n]\n", "classes[63]", 65);
    }

    @Test
    void parse_63Classes_isFine() {
        String sizes = String.join(", ", IntStream.rangeClosed(1, 63).mapToObj(i -> String.valueOf(8 * i)).toList());
        assertEquals(63, Config.parse("classes = [" + sizes + "]").classes().size());
    }

    @Test
    void parse_zeroPages_isError() {
        assertAt("""
                [[class]]
                size = 8
                pages = 0
                """, "class[0].pages", 3);
    }

    @Test
    void parse_zeroBatchSize_isError() {
        assertAt("""
                [[class]]
                size = 8
                [[class]]
                size = 16
                batch_size = 0
                """, "class[1].batch_size", 5);
    }

    @Test
    void parse_spanTooSmallForOneObject_isError() {
        ConfigException e = fails("""
                [[class]]
                size = 16384
                pages = 1
                """);
        assertAt(e, "class[0].pages", 3);
        assertTrue(e.problem().contains("cannot hold one object"), e.getMessage());
    }

    @Test
    void parse_spanAboveLimit_isError() {
        assertAt("""
                [[class]]
                size = 8
                pages = 131073
                """, "class[0].pages", 3);
    }

    @Test
    void parse_spanTooSmallWithAutoBatch_pointsAtPagesKey() {
        assertAt("""
                [config]
                page_size = 4096
                [[class]]
                size = 8
                [[class]]
                batch_size = 2
                size = 8192
                pages = 1
                """, "class[1].pages", 8);
    }

    @Test
    void parse_classWithoutSize_isError() {
        assertAt("""
                [[class]]
                size = 8

                [[class]]
                pages = 1
                """, "class[1]", 4);
    }

    // ------------------------------------------------------------------ unknown keys

    @Test
    void parse_unknownTopLevelKey_isError() {
        assertAt("""
                classes = [8]
                colour = "blue"
                """, "colour", 2);
    }

    @Test
    void parse_unknownConfigKey_isError() {
        ConfigException e = fails("""
                classes = [8]
                [config]
                page_size = 8192
                page_sise = 8192
                """);
        assertAt(e, "config.page_sise", 4);
        assertTrue(e.problem().contains("unknown key"), e.getMessage());
    }

    @Test
    void parse_classesAfterConfigTable_isUnknownKeyWithHint() {
        ConfigException e = fails("""
                [config]
                page_size = 8192
                classes = [8]
                """);
        assertAt(e, "config.classes", 3);
        assertTrue(e.problem().contains("must come before the first [table]"), e.getMessage());
    }

    @Test
    void parse_subTableOfConfig_isUnknownKey() {
        assertAt("""
                classes = [8]
                [config]
                page_size = 8192
                [config.percpu]
                slots = 4
                """, "config.percpu", 4);
    }

    @Test
    void parse_unknownClassKey_isError() {
        assertAt("""
                [[class]]
                size = 8
                [[class]]
                size = 16
                batch = 4
                """, "class[1].batch", 5);
    }

    @Test
    void parse_classAsPlainTable_isError() {
        assertAt("""
                [class]
                size = 8
                """, "class", 1);
    }

    @Test
    void parse_classArrayOfIntegers_isError() {
        assertAt("class = [8, 16]\n", "class[0]", 1);
    }

    @Test
    void parse_configNotATable_isError() {
        assertAt("""
                classes = [8]
                config = 3
                """, "config", 2);
    }

    @Test
    void parse_classesNotAnArray_isError() {
        assertAt("""
                # a comment
                classes = 8
                """, "classes", 2);
    }

    // ------------------------------------------------------------------ value types

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "page_size = \"8192\"        | must be an integer, got a string",
        "page_size = 8192.0          | must be an integer, got a float",
        "max_pages = 1.5             | must be an integer, got a float",
        "max_pages = true            | must be an integer, got a boolean",
        "max_pages = [1]             | must be an integer, got an array",
        "max_pages = 2024-01-01      | must be an integer, got a date",
        "steal_amount = -1           | must not be negative",
        "page_size = 4294967296      | does not fit in an int",
        "max_overages = 2147483648   | does not fit in an int",
    })
    void parse_wrongValueType_namesKeyAndLine(String line, String problem) {
        ConfigException e = fails("classes = [8]\n[config]\n" + line + "\n");
        assertAt(e, "config." + line.substring(0, line.indexOf(' ')), 3);
        assertTrue(e.problem().startsWith(problem) || e.problem().contains(problem), e.getMessage());
    }

    @Test
    void parse_longKnobAboveIntRange_isAccepted() {
        assertEquals(1L << 40, Config.parse("classes = [8]\n[config]\nthread_cache_size = 1099511627776\n")
                .threadCacheSize());
    }

    @Test
    void parse_classSizeOutOfIntRange_isError() {
        assertAt("""
                [[class]]
                size = 8
                [[class]]
                size = 4294967296
                """, "class[1].size", 4);
    }

    @Test
    void parse_negativePages_isError() {
        assertAt("""
                [[class]]
                size = 8
                pages = -1
                """, "class[0].pages", 3);
    }

    @Test
    void parse_stringInShorthand_isError() {
        ConfigException e = fails("classes = [8, 16, \"24\"]");
        assertAt(e, "classes[2]", 1);
        assertTrue(e.problem().contains("got a string"), e.getMessage());
    }

    @Test
    void parse_floatClassSize_isError() {
        assertAt("""
                [[class]]
                size = 8.0
                """, "class[0].size", 2);
    }

    // ------------------------------------------------------------------ syntax

    @Test
    void parse_syntaxError_namesLine() {
        ConfigException e = fails("""
                classes = [8]
                [config]
                page_size =
                """);
        assertAt(e, null, 3);
        assertTrue(e.problem().startsWith("TOML syntax error"), e.getMessage());
    }

    @Test
    void parse_duplicateKey_isSyntaxError() {
        assertAt("""
                classes = [8]
                [config]
                max_pages = 1
                max_pages = 2
                """, null, 4);
    }

    @Test
    void parse_unterminatedTable_isSyntaxError() {
        assertAt("classes = [8]\n\n[config\n", null, 3);
    }

    // ------------------------------------------------------------------ built in code

    @Test
    void constructor_badPageSize_throwsAtLineZero() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(5000, List.of(new SizeClass(8, 1, 32))));
        assertEquals("config.page_size", e.key());
        assertEquals(0, e.line());
        assertEquals("<code>", e.source());
        assertEquals("<code>: config.page_size: 5000 is not a power of two >= 4096", e.getMessage());
    }

    @Test
    void constructor_unresolvedClass_throws() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config(8192, List.of(new SizeClass(8, 1, 32), new SizeClass(16, 0, 32))));
        assertEquals("class[1].pages", e.key());
        assertEquals(0, e.line());
    }

    @Test
    void constructor_descendingSizes_throws() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config(8192, List.of(new SizeClass(16, 1, 32), new SizeClass(8, 1, 32))));
        assertEquals("class[1].size", e.key());
    }

    @Test
    void constructor_nullOrEmptyClasses_throws() {
        assertEquals("classes", assertThrows(ConfigException.class, () -> config(8192, null)).key());
        assertEquals("classes", assertThrows(ConfigException.class, () -> config(8192, List.of())).key());
        List<SizeClass> withNull = new ArrayList<>();
        withNull.add(null);
        assertEquals("class[0]", assertThrows(ConfigException.class, () -> config(8192, withNull)).key());
    }

    @Test
    void constructor_negativeBudget_throws() {
        ConfigException e = assertThrows(ConfigException.class, () -> new Config(8192, 1 << 20, 1 << 10, -1,
                1, 1, 1, 1, 1, Config.DEFAULT_ADDRESS_SPACE, 0, 1, 0, 0, 0, 0, List.of(new SizeClass(8, 1, 32)),
                "mine"));
        assertEquals("config.steal_amount", e.key());
        assertEquals("mine", e.source());
    }

    @Test
    void constructor_copiesClasses() {
        List<SizeClass> classes = new ArrayList<>(List.of(new SizeClass(8, 1, 32)));
        Config c = config(8192, classes);
        classes.add(new SizeClass(16, 1, 32));
        assertEquals(1, c.classes().size());
        assertThrows(UnsupportedOperationException.class, () -> c.classes().add(new SizeClass(24, 1, 32)));
        assertEquals("<code>", c.source());
    }

    @Test
    void builder_autoRulesUseFinalPageSize() {
        Config c = Config.builder().addClasses(8, 5120).pageSize(16384).maxPages(9).build();
        assertEquals(List.of(new SizeClass(8, 1, 32), new SizeClass(5120, 1, 3)), c.classes());
        assertEquals(9, c.maxPages());
        assertEquals("<code>", c.source());
    }

    @Test
    void builder_badPageSizeWithAutoClasses_throws() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.builder().pageSize(3).addClass(8).source("b").build());
        assertEquals("config.page_size", e.key());
        assertEquals("b", e.source());
    }

    @Test
    void toBuilder_unchanged_buildsEqualConfig() {
        assertEquals(Config.defaults(), Config.defaults().toBuilder().build());
    }

    // ------------------------------------------------------------------ toToml

    @Test
    void toToml_defaults_roundTrips() {
        Config d = Config.defaults();
        assertSameExceptSource(d, Config.parse(TomlConfig.write(d)));
    }

    @Test
    void toToml_customExplicitClasses_roundTrips() {
        Config c = Config.builder().pageSize(4096).threadCacheSize(1L << 40).minPerThreadCache(4096)
                .stealAmount(1).maxFreeListLength(2).maxOverages(3).maxTransferSlots(4).maxPages(5)
                .addressSpace(3L << 24)
                .addClass(8, 3, 7).addClass(1032).addClass(4096, 2, 1).build();
        Config back = Config.parse(TomlConfig.write(c), "again");
        assertEquals("again", back.source());
        assertSameExceptSource(c, back);
    }

    // ------------------------------------------------------------------ load()

    @Test
    void load_file_sourceIsThePath() throws IOException {
        Path f = write("a.toml", "classes = [8, 16]\n");
        Config c = Config.load(f);
        assertEquals(f.toString(), c.source());
        assertEquals(2, c.classes().size());
    }

    @Test
    void load_badFile_errorNamesPathKeyAndLine() throws IOException {
        Path f = write("bad.toml", "classes = [8]\n[config]\n\nmax_pages = 0\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(f));
        assertEquals(f.toString(), e.source());
        assertEquals("config.max_pages", e.key());
        assertEquals(4, e.line());
        assertEquals(f + ":4: config.max_pages: must be > 0, got 0", e.getMessage());
    }

    @Test
    void load_missingFile_namesItWithCause() {
        Path f = dir.resolve("nope.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(f));
        assertEquals(f.toString(), e.source());
        assertNull(e.key());
        assertEquals(0, e.line());
        assertInstanceOf(NoSuchFileException.class, e.getCause());
        assertTrue(e.getMessage().startsWith(f + ": cannot read"), e.getMessage());
    }

    @Test
    void load_directory_isUnreadable() {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(dir));
        assertEquals(dir.toString(), e.source());
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void load_utf8WithByteOrderMark_isRead() throws IOException {
        Path f = write("bom.toml", "\uFEFFclasses = [8, 16]\n");
        assertEquals(2, Config.load(f).classes().size());
    }

    @Test
    void load_notUtf8_isUnreadable() throws IOException {
        Path f = Files.write(dir.resolve("latin1.toml"), new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(f));
        assertInstanceOf(MalformedInputException.class, e.getCause());
    }

    // ------------------------------------------------------------------ fromEnvironment()

    @Test
    void fromEnvironment_propertyOnly_loadsIt() throws IOException {
        Path p = write("prop.toml", "classes = [16]\n");
        Config c = Config.fromEnvironment(p.toString(), null);
        assertEquals(p.toString(), c.source());
        assertEquals(16, c.classes().get(0).size());
    }

    @Test
    void fromEnvironment_envOnly_loadsIt() throws IOException {
        Path e = write("env.toml", "classes = [24]\n");
        Config c = Config.fromEnvironment(null, e.toString());
        assertEquals(e.toString(), c.source());
        assertEquals(24, c.classes().get(0).size());
    }

    @Test
    void fromEnvironment_both_propertyWins() throws IOException {
        Path p = write("prop.toml", "classes = [16]\n");
        Path e = write("env.toml", "classes = [24]\n");
        Config c = Config.fromEnvironment(p.toString(), e.toString());
        assertEquals(p.toString(), c.source());
        assertEquals(16, c.classes().get(0).size());
    }

    @Test
    void fromEnvironment_propertyWinsEvenOverABrokenEnvFile() throws IOException {
        Path p = write("prop.toml", "classes = [16]\n");
        assertEquals(p.toString(), Config.fromEnvironment(p.toString(), dir.resolve("nope").toString()).source());
    }

    @Test
    void fromEnvironment_neither_isDefaults() {
        assertSame(Config.defaults(), Config.fromEnvironment(null, null));
        assertSame(Config.defaults(), Config.fromEnvironment(" ", ""));
    }

    @Test
    void fromEnvironment_missingPropertyFile_namesFileAndOrigin() {
        Path p = dir.resolve("missing.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromEnvironment(p.toString(), null));
        assertEquals(p.toString(), e.source());
        assertTrue(e.getMessage().contains("rtmalloc.config"), e.getMessage());
        assertInstanceOf(NoSuchFileException.class, e.getCause());
    }

    @Test
    void fromEnvironment_missingEnvFile_namesOrigin() {
        Path p = dir.resolve("missing.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromEnvironment(null, p.toString()));
        assertTrue(e.getMessage().contains("RTMALLOC_CLASSES"), e.getMessage());
    }

    @Test
    void fromEnvironment_noOverridesInThisProcess_isDefaults() {
        assumeTrue(System.getProperty(Config.CONFIG_PROPERTY) == null && System.getenv(Config.CONFIG_ENV) == null);
        assertSame(Config.defaults(), Config.fromEnvironment());
    }

    // ------------------------------------------------------------------ ConfigException

    @Test
    void configException_withoutKeyOrLine_formatsWhatItHas() {
        assertEquals("f: oops", new ConfigException("f", null, 0, "oops").getMessage());
        assertEquals("f:3: oops", new ConfigException("f", null, 3, "oops").getMessage());
        assertEquals("f: k: oops", new ConfigException("f", "k", 0, "oops").getMessage());
        assertEquals("oops", new ConfigException("oops").getMessage());
        assertTrue(new ConfigException("x") instanceof IllegalArgumentException);
    }

    @Test
    void sizeClasses_ofConfig_matchesItsClasses() {
        Config c = Config.defaults();
        SizeClasses s = c.sizeClasses();
        assertEquals(c.classes().size(), s.count());
        assertEquals(c.pageSize(), s.pageSize());
    }
}
