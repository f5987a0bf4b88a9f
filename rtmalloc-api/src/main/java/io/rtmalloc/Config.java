package io.rtmalloc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration of one allocator: its tuning knobs and its size classes.
 *
 * <p>A {@code Config} is always valid: the constructor checks every rule below and
 * throws a {@link ConfigException} naming the broken one, whether the values come
 * from a TOML file ({@link #load}, {@link #parse}), from the defaults
 * ({@link #defaults()}) or from code ({@link #builder()} or the constructor). Its
 * classes are always fully resolved: {@code pages} and {@code batchSize} are > 0.
 *
 * <p>This module reads no file format itself: {@link #parse} and {@link #load}
 * hand the text to a {@link ConfigReader} found by {@link java.util.ServiceLoader};
 * the rtmalloc-toml module provides the TOML reader (and {@code TomlConfig}
 * writes a configuration back as TOML). The sizing rules that give a class its
 * pages and batch size when a file does not are in {@link SizeClasses}.
 *
 * <h2>TOML format</h2>
 * <pre>{@code
 * [config]                        # every key optional; defaults shown
 * page_size = 8192                # DEFAULT_PAGE_SIZE
 * thread_cache_size = 33554432    # 32 MiB
 * min_per_thread_cache = 524288   # 512 KiB
 * steal_amount = 65536            # 64 KiB
 * max_free_list_length = 8192
 * max_overages = 3
 * max_transfer_slots = 64
 * max_pages = 128
 * per_cpu_cache_size = 1572864   # 1.5 MiB
 * address_space = 274877906944    # 256 GiB of address space (not memory)
 * release_decay_ms = 10000        # free pages go back to the OS after 10 s (0: not by time)
 * release_rate = 1073741824       # at most 1 GiB/s by the background release
 * large_release_threshold = 33554432  # freed blocks of 32 MiB or more go back early (0: no)
 * large_release_delay_ms = 0      # at free (else after this many ms)
 * memory_limit = 0                # soft limit on resident bytes (0: none)
 * memory_limit_hard = 0           # hard limit on resident bytes (0: none)
 *
 * [[class]]                       # one table per class, in ascending size
 * size = 8                        # required
 * pages = 1                       # optional: SizeClasses.autoPages(size, page_size, batch_size)
 * batch_size = 32                 # optional: SizeClasses.autoBatchSize(size, page_size)
 * }</pre>
 * or, instead of the {@code [[class]]} tables, the shorthand {@code classes = [8, 16, 32]}
 * (pages and batch sizes by the auto rules). A file must give its classes in
 * exactly one of the two forms.
 *
 * <h2>Rules</h2>
 * Every knob has a lower and an upper bound, so that no value, however absurd,
 * reaches the allocator: a value out of bounds is a {@link ConfigException}
 * here, before anything is mapped or allocated. The upper bounds are far above
 * what a deployment needs (each constant says why) and keep every product the
 * allocator computes from them ({@code batch_size * max_transfer_slots},
 * {@code max_free_list_length * size}, a budget times the threads or CPUs) far
 * from overflow.
 * <table class="striped">
 *   <caption>Bounds of the knobs</caption>
 *   <thead><tr><th>key</th><th>from</th><th>to</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@code page_size}</td><td>{@link #MIN_PAGE_SIZE} (4 KiB)</td>
 *       <td>{@link #MAX_PAGE_SIZE} (2 MiB), a power of two</td></tr>
 *   <tr><td>{@code thread_cache_size}</td><td>{@code min_per_thread_cache}</td>
 *       <td>{@link #MAX_BYTES} (2^46)</td></tr>
 *   <tr><td>{@code min_per_thread_cache}, {@code steal_amount}, {@code per_cpu_cache_size}</td>
 *       <td>1</td><td>{@link #MAX_CACHE_SHARE} (1 GiB)</td></tr>
 *   <tr><td>{@code max_free_list_length}</td><td>1</td><td>{@link #MAX_FREE_LIST_LENGTH} (2^20)</td></tr>
 *   <tr><td>{@code max_overages}</td><td>1</td><td>{@link #MAX_OVERAGES} (65536)</td></tr>
 *   <tr><td>{@code max_transfer_slots}</td><td>1</td><td>{@link #MAX_TRANSFER_SLOTS} (2048)</td></tr>
 *   <tr><td>{@code max_pages}</td><td>1</td><td>{@link #MAX_PAGES} (65536)</td></tr>
 *   <tr><td>{@code address_space}</td><td>{@link #MIN_ADDRESS_SPACE} (16 MiB)</td>
 *       <td>{@link #MAX_ADDRESS_SPACE} (2^46), a multiple of {@code page_size}</td></tr>
 *   <tr><td>{@code release_decay_ms}, {@code large_release_delay_ms}</td><td>0</td>
 *       <td>{@link #MAX_RELEASE_MS} (one day)</td></tr>
 *   <tr><td>{@code release_rate}</td><td>1</td><td>{@link #MAX_BYTES} (2^46)</td></tr>
 *   <tr><td>{@code large_release_threshold}, {@code memory_limit}, {@code memory_limit_hard}</td>
 *       <td>0 (none), else {@code page_size}</td><td>{@link #MAX_BYTES} (2^46)</td></tr>
 *   <tr><td>classes</td><td>1</td><td>{@link #MAX_CLASSES} (63)</td></tr>
 *   <tr><td>{@code size} of a class</td><td>8, a multiple of 8</td>
 *       <td>{@link #MAX_CLASS_SIZE} (16 MiB)</td></tr>
 *   <tr><td>{@code pages} of a class</td><td>{@code ceil(size / page_size)}</td>
 *       <td>{@link #MAX_SPAN_BYTES} (1 GiB) {@code / page_size}</td></tr>
 *   <tr><td>{@code batch_size} of a class</td><td>1</td><td>{@link #MAX_BATCH_SIZE} (4096), and
 *       {@code batch_size * max_transfer_slots <= }{@link #MAX_TRANSFER_BLOCKS} (2^17)</td></tr>
 *   </tbody>
 * </table>
 * Besides:
 * <ul>
 *   <li>class sizes are strictly ascending;</li>
 *   <li>a hard memory limit is not under the soft one;</li>
 *   <li>in a file: no unknown key anywhere, integers only (no float, string or
 *       negative number), a value fits its field ({@code int} fields take at most
 *       {@link Integer#MAX_VALUE}; TOML integers at most {@link Long#MAX_VALUE}),
 *       and no TOML syntax error.</li>
 * </ul>
 * Fields given in code ({@link #builder()}, the constructor) go through the
 * same checks; their errors have line 0.
 *
 * <h2>Keys in errors</h2>
 * {@link ConfigException#key()} names a knob as {@code config.page_size}, a field
 * of a class as {@code class[i].size} / {@code class[i].pages} /
 * {@code class[i].batch_size} (or {@code classes[i]} for the shorthand form), a
 * whole class as {@code class[i]}, and the class list as {@code classes};
 * {@code i} counts from 0, as an index into the TOML array.
 *
 * @param pageSize           bytes of one page: the unit of spans and of the page map; a power of
 *                           two from {@link #MIN_PAGE_SIZE} to {@link #MAX_PAGE_SIZE}
 * @param threadCacheSize    bytes all per-thread caches together may hold; from
 *                           {@code minPerThreadCache} to {@link #MAX_BYTES}
 * @param minPerThreadCache  the byte budget a thread cache starts with, and the least it keeps
 *                           while the budget holds that much for every thread; with more threads,
 *                           an equal part of {@code threadCacheSize}, down to 32 KiB; from 1 to
 *                           {@link #MAX_CACHE_SHARE}
 * @param stealAmount        bytes a thread cache's budget grows by when it needs more; from 1 to
 *                           {@link #MAX_CACHE_SHARE}
 * @param maxFreeListLength  the most objects one free list of a front-end cache may hold; from 1
 *                           to {@link #MAX_FREE_LIST_LENGTH}
 * @param maxOverages        how many times a free list may overflow its length before it shrinks;
 *                           from 1 to {@link #MAX_OVERAGES}
 * @param maxTransferSlots   batches the transfer cache holds per size class; from 1 to
 *                           {@link #MAX_TRANSFER_SLOTS}, and times any class's batch size at most
 *                           {@link #MAX_TRANSFER_BLOCKS}
 * @param maxPages           spans up to this many pages have exact-size free lists in the page heap;
 *                           from 1 to {@link #MAX_PAGES}
 * @param perCpuCacheSize    bytes one logical CPU's cache of the per-CPU front end may hold; from 1
 *                           to {@link #MAX_CACHE_SHARE}
 * @param addressSpace       bytes of address space the page heap reserves up front (not memory:
 *                           pages are mapped inside it as they are needed); a multiple of
 *                           {@code pageSize} from {@link #MIN_ADDRESS_SPACE} to {@link #MAX_ADDRESS_SPACE}
 * @param releaseDecayMs     milliseconds free pages stay resident before the background release
 *                           returns them to the OS; 0: never by time; at most {@link #MAX_RELEASE_MS}
 * @param releaseRate        bytes per second the background release returns at most; from 1 to
 *                           {@link #MAX_BYTES}
 * @param largeReleaseThreshold freed blocks of whole pages at least this large go back to the OS
 *                           after {@code largeReleaseDelayMs} rather than the decay time; 0: none,
 *                           else from {@code pageSize} to {@link #MAX_BYTES}
 * @param largeReleaseDelayMs milliseconds such a freed block stays resident; 0: released at free;
 *                           at most {@link #MAX_RELEASE_MS}
 * @param memoryLimit        the soft limit on the resident bytes of the page heap; 0: none, else
 *                           from {@code pageSize} to {@link #MAX_BYTES}
 * @param memoryLimitHard    the hard limit on the resident bytes of the page heap; 0: none, else
 *                           from {@code max(pageSize, memoryLimit)} to {@link #MAX_BYTES}
 * @param classes            the size classes, ascending, fully resolved; 1 to {@link #MAX_CLASSES}
 * @param source             where the configuration came from: a file path,
 *                           {@code "<string>"}, {@code "<defaults>"} or
 *                           {@code "<code>"} (null means {@code "<code>"})
 */
public record Config(
        int pageSize,
        long threadCacheSize,
        long minPerThreadCache,
        long stealAmount,
        int maxFreeListLength,
        int maxOverages,
        int maxTransferSlots,
        int maxPages,
        long perCpuCacheSize,
        long addressSpace,
        long releaseDecayMs,
        long releaseRate,
        long largeReleaseThreshold,
        long largeReleaseDelayMs,
        long memoryLimit,
        long memoryLimitHard,
        List<SizeClass> classes,
        String source) {

    /** Default of {@code page_size}: 8 KiB. */
    public static final int DEFAULT_PAGE_SIZE = 8192;
    /** Default of {@code thread_cache_size}: 32 MiB. */
    public static final long DEFAULT_THREAD_CACHE_SIZE = 32L << 20;
    /** Default of {@code min_per_thread_cache}: 512 KiB. */
    public static final long DEFAULT_MIN_PER_THREAD_CACHE = 512L << 10;
    /** Default of {@code steal_amount}: 64 KiB. */
    public static final long DEFAULT_STEAL_AMOUNT = 64L << 10;
    /** Default of {@code max_free_list_length}. */
    public static final int DEFAULT_MAX_FREE_LIST_LENGTH = 8192;
    /** Default of {@code max_overages}. */
    public static final int DEFAULT_MAX_OVERAGES = 3;
    /** Default of {@code max_transfer_slots}. */
    public static final int DEFAULT_MAX_TRANSFER_SLOTS = 64;
    /** Default of {@code max_pages}. */
    public static final int DEFAULT_MAX_PAGES = 128;
    /** Default of {@code per_cpu_cache_size}: 1.5 MiB per logical CPU. */
    public static final long DEFAULT_PER_CPU_CACHE_SIZE = 3L << 19;
    /**
     * Default of {@code address_space}: 256 GiB. It is address space, not memory:
     * the page heap reserves it with {@code PROT_NONE}, which costs no memory and
     * no commit charge, and maps pages inside it only as it needs them.
     */
    public static final long DEFAULT_ADDRESS_SPACE = 256L << 30;
    /**
     * Default of {@code release_decay_ms}: 10 s, as jemalloc's dirty decay. Memory
     * idle that long is not a working set; giving it back costs a page fault per
     * 4 KiB page when it is touched again (measured here: about 1.6 us a page,
     * 0.4 ms per MiB), and costs the background thread about 35 ms per GiB.
     */
    public static final long DEFAULT_RELEASE_DECAY_MS = 10_000;
    /**
     * Default of {@code release_rate}: 1 GiB/s, at which the background release
     * takes about 3.5% of one CPU ({@code madvise} measured at 35 ms per GiB).
     */
    public static final long DEFAULT_RELEASE_RATE = 1L << 30;
    /**
     * Default of {@code large_release_threshold}: 32 MiB, glibc's largest mmap
     * threshold (glibc unmaps such blocks at free; jemalloc purges blocks of
     * 8 MiB and more at free). Touching such a block again costs at least 13 ms
     * of page faults (8192 faults at about 1.6 us measured here), little against
     * the work a program does with 32 MiB, and holding freed blocks of this
     * size is how memory piles up when huge blocks are freed in turn.
     */
    public static final long DEFAULT_LARGE_RELEASE_THRESHOLD = 32L << 20;
    /**
     * Default of {@code large_release_delay_ms}: 0, released at free (on the
     * freeing thread, outside every lock: about 35 ms per GiB), so that a
     * freed huge block never adds to the next one's memory.
     */
    public static final long DEFAULT_LARGE_RELEASE_DELAY_MS = 0;
    /**
     * The longest {@code release_decay_ms} or {@code large_release_delay_ms}
     * allowed: one day. Memory held free for a day is not coming back into use;
     * 0 already means "never by time".
     */
    public static final long MAX_RELEASE_MS = 86_400_000L;

    /** The smallest page size allowed: 4 KiB, the smallest page the OS maps. */
    public static final int MIN_PAGE_SIZE = 4096;
    /**
     * The largest page size allowed: 2 MiB, a transparent huge page on x86-64
     * (and on arm64 with 4 KiB pages). It is 256 times the default and 8 times
     * tcmalloc's largest page (256 KiB); a larger page only makes every span,
     * every mapping and every release coarser, and with the auto rules it keeps
     * every batch size under 512, so the default {@code max_transfer_slots}
     * stays within {@link #MAX_TRANSFER_BLOCKS} for any class.
     */
    public static final int MAX_PAGE_SIZE = 2 << 20;
    /** The most size classes allowed (class indices 1..63 fit a byte table). */
    public static final int MAX_CLASSES = 63;
    /**
     * The largest class size allowed: 16 MiB. It bounds the size-to-class lookup
     * tables of {@link SizeClasses} (at most 2 MiB for a pathological table);
     * bigger blocks are served as whole pages anyway.
     */
    public static final int MAX_CLASS_SIZE = 16 << 20;
    /** The smallest {@code address_space} allowed: 16 MiB. */
    public static final long MIN_ADDRESS_SPACE = 16L << 20;
    /** The largest {@code address_space} allowed: 2^46 bytes (64 TiB), a quarter of a 48-bit user address space. */
    public static final long MAX_ADDRESS_SPACE = 1L << 46;
    /** The largest span of one class allowed ({@code pages * page_size}): 1 GiB, so it fits an {@code int}. */
    public static final int MAX_SPAN_BYTES = 1 << 30;
    /**
     * The largest byte count allowed for {@code thread_cache_size},
     * {@code release_rate} (bytes per second), {@code large_release_threshold},
     * {@code memory_limit} and {@code memory_limit_hard}: 2^46 bytes (64 TiB),
     * the largest {@code address_space}. No cache can hold, no release can
     * return and no limit can cap more than the page heap can ever map; the
     * bound also keeps sums and products of these counts far from overflowing
     * a {@code long}.
     */
    public static final long MAX_BYTES = MAX_ADDRESS_SPACE;
    /**
     * The largest {@code min_per_thread_cache}, {@code steal_amount} and
     * {@code per_cpu_cache_size} allowed: 1 GiB, the most one thread's or one
     * CPU's cache may be given or take at once. tcmalloc caps one thread's
     * cache at 4 MiB and the defaults here are 512 KiB, 64 KiB and 1.5 MiB; a
     * cache of a GiB per thread or per CPU is already more memory than most
     * machines have for all of them. The bound keeps a share times millions of
     * threads, or times every possible CPU, within a {@code long}.
     */
    public static final long MAX_CACHE_SHARE = 1L << 30;
    /**
     * The largest {@code max_free_list_length} allowed: 2^20 blocks, 128 times
     * the default (tcmalloc's own limit is 8192). A list that long is walked
     * block by block when a cache is scavenged or flushed; the bound also keeps
     * a list's limit plus a batch within an {@code int}.
     */
    public static final int MAX_FREE_LIST_LENGTH = 1 << 20;
    /**
     * The largest {@code max_overages} allowed: 65536. A list that overflowed
     * that many times in a row without one refill is not going to shrink; the
     * default is 3, as in tcmalloc.
     */
    public static final int MAX_OVERAGES = 1 << 16;
    /**
     * The largest {@code max_transfer_slots} allowed: 2048 batches per class,
     * 32 times the default. With the shipped classes (batch sizes up to 64)
     * every value up to it stays within {@link #MAX_TRANSFER_BLOCKS}.
     */
    public static final int MAX_TRANSFER_SLOTS = 2048;
    /**
     * The largest {@code batch_size} of a class allowed: 4096 blocks. A batch
     * moves as one chain, walked block by block under the class's lock; the
     * auto rules give at most 64 with the default page and 511 with the largest
     * page ({@link #MAX_PAGE_SIZE}).
     */
    public static final int MAX_BATCH_SIZE = 4096;
    /**
     * The most blocks a transfer cache may hold for one class,
     * {@code batch_size * max_transfer_slots}: 2^17. The transfer cache keeps
     * them in a Java {@code long[]} made when the allocator is built, so this
     * bounds it at 1 MiB of Java heap per class (63 MiB for 63 classes; the
     * defaults take at most 32 KiB per class). Without it, two large but
     * otherwise allowed knobs would make the allocator's construction run out
     * of Java heap.
     */
    public static final int MAX_TRANSFER_BLOCKS = 1 << 17;
    /**
     * The largest {@code max_pages} allowed: 65536 pages (512 MiB spans with
     * the default page), 512 times the default (tcmalloc uses 128). The page
     * heap keeps two arrays of {@code max_pages + 1} list heads, made when it
     * is built: at most 1 MiB of Java heap.
     */
    public static final int MAX_PAGES = 1 << 16;

    /** System property naming a configuration file; wins over {@link #CONFIG_ENV}. */
    public static final String CONFIG_PROPERTY = "rtmalloc.config";
    /** Environment variable naming a configuration file. */
    public static final String CONFIG_ENV = "RTMALLOC_CLASSES";
    /** Source name of {@link #defaults()}. */
    public static final String DEFAULT_SOURCE = "<defaults>";
    /** Source name of a configuration built in code. */
    public static final String CODE_SOURCE = "<code>";
    /** Source name of a configuration parsed from a string with no name. */
    public static final String STRING_SOURCE = "<string>";

    /**
     * Checks every rule and copies {@code classes}.
     *
     * @throws ConfigException naming the first broken rule (its line is 0: a
     *         record built in code has no line)
     */
    public Config {
        if (source == null) {
            source = CODE_SOURCE;
        }
        ConfigValidator.check(pageSize, threadCacheSize, minPerThreadCache, stealAmount,
                maxFreeListLength, maxOverages, maxTransferSlots, maxPages, perCpuCacheSize, addressSpace,
                releaseDecayMs, releaseRate, largeReleaseThreshold, largeReleaseDelayMs, memoryLimit,
                memoryLimitHard, classes, source);
        classes = List.copyOf(classes);
    }

    // ---------------------------------------------------------------- factories

    /**
     * The default configuration, built in code: the default knobs and the
     * {@linkplain SizeClasses#defaultSizes() 45 default classes} from 8 bytes to
     * 256 KiB, with pages and batch sizes from the sizing rules. Built once.
     *
     * @return the default configuration, with source {@value #DEFAULT_SOURCE}
     */
    public static Config defaults() {
        return Defaults.INSTANCE;
    }

    /**
     * Parses a configuration text; its source is {@code "<string>"}. Needs a
     * {@link ConfigReader} (the rtmalloc-toml module reads TOML).
     *
     * @param toml the text
     * @return the configuration it describes
     * @throws ConfigException if the text breaks a rule, or no reader is present
     */
    public static Config parse(String toml) {
        return parse(toml, STRING_SOURCE);
    }

    /**
     * Parses a configuration text. Needs a {@link ConfigReader} (the
     * rtmalloc-toml module reads TOML).
     *
     * @param toml   the text
     * @param source the name errors give the text (such as a file name)
     * @return the configuration it describes
     * @throws ConfigException if the text breaks a rule, or no reader is present
     */
    public static Config parse(String toml, String source) {
        return ConfigLoader.parse(toml, source);
    }

    /**
     * Reads a configuration file (UTF-8); its source is the path. Needs a
     * {@link ConfigReader} (the rtmalloc-toml module reads TOML).
     *
     * @param file the file
     * @return the configuration it describes
     * @throws ConfigException if the file cannot be read (with the
     *         {@link java.io.IOException} as cause) or breaks a rule, or no
     *         reader is present
     */
    public static Config load(Path file) {
        return ConfigLoader.load(file, null);
    }

    /**
     * The configuration chosen at start-up: the file named by the system property
     * {@value #CONFIG_PROPERTY} if set, else the file named by the environment
     * variable {@value #CONFIG_ENV} if set, else {@link #defaults()}.
     *
     * @return the chosen configuration
     * @throws ConfigException if the chosen file cannot be read or breaks a rule
     */
    public static Config fromEnvironment() {
        return fromEnvironment(System.getProperty(CONFIG_PROPERTY), System.getenv(CONFIG_ENV));
    }

    /**
     * {@link #fromEnvironment()} with the values of the system property and the
     * environment variable passed in, so a caller can choose as start-up does
     * without changing the process.
     *
     * @param propertyValue the value of {@value #CONFIG_PROPERTY}; null or blank counts as unset
     * @param envValue      the value of {@value #CONFIG_ENV}; null or blank counts as unset
     * @return the chosen configuration
     * @throws ConfigException if the chosen file cannot be read or breaks a rule
     */
    public static Config fromEnvironment(String propertyValue, String envValue) {
        return ConfigLoader.fromEnvironment(propertyValue, envValue);
    }

    /** The defaults, built on first use (the holder idiom). */
    private static final class Defaults {
        static final Config INSTANCE = build();

        private static Config build() {
            Builder b = builder().source(DEFAULT_SOURCE);
            for (int size : SizeClasses.defaultSizes()) {
                b.addClass(size);
            }
            return b.build();
        }
    }

    // ---------------------------------------------------------------- derived

    /**
     * Whether the allocator releases memory by itself: by decay, or freed large blocks after a delay.
     *
     * @return whether the allocator releases memory by itself
     */
    public boolean backgroundRelease() {
        return releaseDecayMs > 0 || (largeReleaseThreshold > 0 && largeReleaseDelayMs > 0);
    }

    /**
     * The size-class lookup tables of this configuration. Computed on each call
     * (cheap): call it once and keep the result.
     *
     * @return the size-class lookup tables of this configuration
     */
    public SizeClasses sizeClasses() {
        return SizeClasses.of(this);
    }

    // ---------------------------------------------------------------- builder

    /**
     * A builder with every knob at its default, no classes, and source {@code "<code>"}.
     *
     * @return a builder with every knob at its default, no classes, and source {@code "<code>"}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this configuration's knobs, classes (resolved) and source.
     *
     * @return a builder holding this configuration's knobs, classes (resolved) and source
     */
    public Builder toBuilder() {
        Builder b = new Builder()
                .pageSize(pageSize)
                .threadCacheSize(threadCacheSize)
                .minPerThreadCache(minPerThreadCache)
                .stealAmount(stealAmount)
                .maxFreeListLength(maxFreeListLength)
                .maxOverages(maxOverages)
                .maxTransferSlots(maxTransferSlots)
                .maxPages(maxPages)
                .perCpuCacheSize(perCpuCacheSize)
                .addressSpace(addressSpace)
                .releaseDecayMs(releaseDecayMs)
                .releaseRate(releaseRate)
                .largeReleaseThreshold(largeReleaseThreshold)
                .largeReleaseDelayMs(largeReleaseDelayMs)
                .memoryLimit(memoryLimit)
                .memoryLimitHard(memoryLimitHard)
                .source(source);
        for (SizeClass c : classes) {
            b.addClass(c.size(), c.pages(), c.batchSize());
        }
        return b;
    }

    /**
     * Builds a {@link Config} in code. Classes added without pages or batch size
     * get them from the auto rules with the page size in force at
     * {@link #build()}. The setters take any value; {@link #build()} checks
     * every bound of {@link Config} as a file's values are checked. Not
     * thread-safe.
     */
    public static final class Builder {
        private int pageSize = DEFAULT_PAGE_SIZE;
        private long threadCacheSize = DEFAULT_THREAD_CACHE_SIZE;
        private long minPerThreadCache = DEFAULT_MIN_PER_THREAD_CACHE;
        private long stealAmount = DEFAULT_STEAL_AMOUNT;
        private int maxFreeListLength = DEFAULT_MAX_FREE_LIST_LENGTH;
        private int maxOverages = DEFAULT_MAX_OVERAGES;
        private int maxTransferSlots = DEFAULT_MAX_TRANSFER_SLOTS;
        private int maxPages = DEFAULT_MAX_PAGES;
        private long perCpuCacheSize = DEFAULT_PER_CPU_CACHE_SIZE;
        private long addressSpace = DEFAULT_ADDRESS_SPACE;
        private long releaseDecayMs = DEFAULT_RELEASE_DECAY_MS;
        private long releaseRate = DEFAULT_RELEASE_RATE;
        private long largeReleaseThreshold = DEFAULT_LARGE_RELEASE_THRESHOLD;
        private long largeReleaseDelayMs = DEFAULT_LARGE_RELEASE_DELAY_MS;
        private long memoryLimit;
        private long memoryLimitHard;
        private final List<ClassSpec> classes = new ArrayList<>();
        private String source = CODE_SOURCE;

        /** A class as given: null pages or batch size means "by the auto rules". */
        private record ClassSpec(int size, Integer pages, Integer batchSize) {
        }

        private Builder() {
        }

        /**
         * Sets {@code page_size}: a power of two from {@link #MIN_PAGE_SIZE} to {@link #MAX_PAGE_SIZE}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder pageSize(int v) {
            pageSize = v;
            return this;
        }

        /**
         * Sets {@code thread_cache_size}: from {@code min_per_thread_cache} to {@link #MAX_BYTES}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder threadCacheSize(long v) {
            threadCacheSize = v;
            return this;
        }

        /**
         * Sets {@code min_per_thread_cache}: from 1 to {@link #MAX_CACHE_SHARE}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder minPerThreadCache(long v) {
            minPerThreadCache = v;
            return this;
        }

        /**
         * Sets {@code steal_amount}: from 1 to {@link #MAX_CACHE_SHARE}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder stealAmount(long v) {
            stealAmount = v;
            return this;
        }

        /**
         * Sets {@code max_free_list_length}: from 1 to {@link #MAX_FREE_LIST_LENGTH}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxFreeListLength(int v) {
            maxFreeListLength = v;
            return this;
        }

        /**
         * Sets {@code max_overages}: from 1 to {@link #MAX_OVERAGES}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxOverages(int v) {
            maxOverages = v;
            return this;
        }

        /**
         * Sets {@code max_transfer_slots}: from 1 to {@link #MAX_TRANSFER_SLOTS}, and
         * times any class's batch size at most {@link #MAX_TRANSFER_BLOCKS}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxTransferSlots(int v) {
            maxTransferSlots = v;
            return this;
        }

        /**
         * Sets {@code max_pages}: from 1 to {@link #MAX_PAGES}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxPages(int v) {
            maxPages = v;
            return this;
        }

        /**
         * Sets {@code per_cpu_cache_size}: from 1 to {@link #MAX_CACHE_SHARE}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder perCpuCacheSize(long v) {
            perCpuCacheSize = v;
            return this;
        }

        /**
         * Sets {@code address_space}: a multiple of {@code page_size} from
         * {@link #MIN_ADDRESS_SPACE} to {@link #MAX_ADDRESS_SPACE}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder addressSpace(long v) {
            addressSpace = v;
            return this;
        }

        /**
         * Sets {@code release_decay_ms} (0: no release by time), at most {@link #MAX_RELEASE_MS}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder releaseDecayMs(long v) {
            releaseDecayMs = v;
            return this;
        }

        /**
         * Sets {@code release_rate}: from 1 to {@link #MAX_BYTES} bytes per second.
         *
         * @param v the value
         * @return this builder
         */
        public Builder releaseRate(long v) {
            releaseRate = v;
            return this;
        }

        /**
         * Sets {@code large_release_threshold} (0: freed large blocks wait for the
         * decay time), else from {@code page_size} to {@link #MAX_BYTES}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder largeReleaseThreshold(long v) {
            largeReleaseThreshold = v;
            return this;
        }

        /**
         * Sets {@code large_release_delay_ms} (0: released at free), at most {@link #MAX_RELEASE_MS}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder largeReleaseDelayMs(long v) {
            largeReleaseDelayMs = v;
            return this;
        }

        /**
         * Sets {@code memory_limit}, the soft limit on resident bytes (0: none),
         * else from {@code page_size} to {@link #MAX_BYTES}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder memoryLimit(long v) {
            memoryLimit = v;
            return this;
        }

        /**
         * Sets {@code memory_limit_hard}, the hard limit on resident bytes (0: none),
         * else from {@code page_size} (and the soft limit) to {@link #MAX_BYTES}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder memoryLimitHard(long v) {
            memoryLimitHard = v;
            return this;
        }

        /**
         * Switches every release the allocator makes by itself off: no decay, no
         * early release of large blocks (memory then goes back only through
         * {@code releaseFreeMemory()} and the limits).
         *
         * @return this builder
         */
        public Builder backgroundReleaseOff() {
            releaseDecayMs = 0;
            largeReleaseThreshold = 0;
            return this;
        }

        /**
         * Sets the source name errors and {@link Config#source()} give; null means {@code "<code>"}.
         *
         * @param v the value
         * @return this builder
         */
        public Builder source(String v) {
            source = v;
            return this;
        }

        /**
         * Adds a class whose pages and batch size follow the auto rules.
         *
         * @param size the class size
         * @return this builder
         */
        public Builder addClass(int size) {
            return addClassSpec(size, null, null);
        }

        /**
         * Adds a fully specified class.
         *
         * @param size the class size
         * @param pages pages of a span of the class
         * @param batchSize the class's batch size
         * @return this builder
         */
        public Builder addClass(int size, int pages, int batchSize) {
            return addClassSpec(size, pages, batchSize);
        }

        /**
         * Adds a class as a file gives it: a null {@code pages} or {@code batchSize}
         * follows the sizing rules of {@link SizeClasses}.
         *
         * @param size      the class size
         * @param pages     pages of a span of the class, or null
         * @param batchSize the class's batch size, or null
         * @return this builder
         */
        public Builder addClassSpec(int size, Integer pages, Integer batchSize) {
            classes.add(new ClassSpec(size, pages, batchSize));
            return this;
        }

        /**
         * Adds classes of the given sizes, each by the auto rules.
         *
         * @param sizes the class sizes
         * @return this builder
         */
        public Builder addClasses(int... sizes) {
            for (int s : sizes) {
                addClass(s);
            }
            return this;
        }

        /**
         * Replaces the classes with resolved ones (each kept exactly as given).
         *
         * @param resolved the classes, fully resolved
         * @return this builder
         */
        public Builder classes(List<SizeClass> resolved) {
            classes.clear();
            for (SizeClass c : resolved) {
                addClass(c.size(), c.pages(), c.batchSize());
            }
            return this;
        }

        /**
         * Removes every class.
         *
         * @return this builder
         */
        public Builder clearClasses() {
            classes.clear();
            return this;
        }

        /**
         * Resolves the auto rules and builds the configuration.
         *
         * @return the configuration
         * @throws ConfigException if it breaks a rule (line 0)
         */
        public Config build() {
            String src = source == null ? CODE_SOURCE : source;
            boolean needsAuto = classes.stream().anyMatch(c -> c.pages() == null || c.batchSize() == null);
            if (needsAuto) {
                // The auto rules divide by the page size: check it before using it.
                try {
                    ConfigValidator.checkPageSize(pageSize);
                } catch (ConfigException e) {
                    throw new ConfigException(src, e.key(), 0, e.problem());
                }
            }
            List<SizeClass> resolved = new ArrayList<>(classes.size());
            for (ClassSpec c : classes) {
                int batch = c.batchSize() != null ? c.batchSize() : SizeClasses.autoBatchSize(c.size(), pageSize);
                int pages = c.pages() != null ? c.pages() : SizeClasses.autoPages(c.size(), pageSize, batch);
                resolved.add(new SizeClass(c.size(), pages, batch));
            }
            return new Config(pageSize, threadCacheSize, minPerThreadCache, stealAmount,
                    maxFreeListLength, maxOverages, maxTransferSlots, maxPages, perCpuCacheSize, addressSpace,
                    releaseDecayMs, releaseRate, largeReleaseThreshold, largeReleaseDelayMs, memoryLimit,
                    memoryLimitHard, resolved, src);
        }
    }
}
