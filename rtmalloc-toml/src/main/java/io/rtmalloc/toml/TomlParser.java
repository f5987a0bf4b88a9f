package io.rtmalloc.toml;

import io.rtmalloc.Config;
import io.rtmalloc.ConfigException;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads the TOML form of a {@link Config} (the format is described there and in
 * {@code rtmalloc.toml}, the defaults written out in full, in this jar).
 *
 * <p>The reader checks what only the file can get wrong: syntax, unknown keys,
 * value types, the two class forms. It hands the values to a
 * {@link Config.Builder}, whose constructor checks the value rules; an error from
 * there carries a canonical key and line 0, and {@link #place} gives it the key
 * as written in the file and its line, from the positions recorded while reading.
 */
final class TomlParser {

    private static final List<String> TOP_KEYS = List.of("config", "class", "classes");
    private static final List<String> CONFIG_KEYS = List.of("page_size", "thread_cache_size",
            "min_per_thread_cache", "steal_amount", "max_free_list_length", "max_overages",
            "max_transfer_slots", "max_pages", "per_cpu_cache_size", "address_space", "release_decay_ms",
            "release_rate", "large_release_threshold", "large_release_delay_ms", "memory_limit",
            "memory_limit_hard");
    private static final List<String> CLASS_KEYS = List.of("size", "pages", "batch_size");
    /** A line that starts with a bare key and an equals sign. */
    private static final Pattern KEY_LINE = Pattern.compile("\\s*([A-Za-z0-9_-]+)\\s*=");

    private final String source;
    /** Line of every key read, by the key as written in errors ("config.page_size", "class[2]"). */
    private final Map<String, Integer> lines = new HashMap<>();
    /** Whether the classes came as {@code classes = [...]} rather than {@code [[class]]} tables. */
    private boolean shorthand;

    private TomlParser(String source) {
        this.source = source == null ? Config.STRING_SOURCE : source;
    }

    /**
     * Parses {@code text}; errors name {@code source}.
     *
     * @throws ConfigException for the first broken rule
     */
    static Config parse(String text, String source) {
        Objects.requireNonNull(text, "toml");
        return new TomlParser(source).read(text);
    }

    private Config read(String text) {
        // A byte-order mark (some Windows editors write one) is no TOML syntax error.
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        TomlParseResult toml = Toml.parse(body);
        if (toml.hasErrors()) {
            throw syntaxError(toml, body);
        }
        for (String key : toml.keySet()) {
            if (!TOP_KEYS.contains(key)) {
                throw fail(key, line(toml, key), "unknown key (known top-level keys: "
                        + String.join(", ", TOP_KEYS) + ")");
            }
        }
        Config.Builder builder = Config.builder().source(source);
        readKnobs(toml, builder);
        readClasses(toml, builder);
        try {
            return builder.build();
        } catch (ConfigException e) {
            throw place(e);
        }
    }

    private ConfigException syntaxError(TomlParseResult toml, String text) {
        List<TomlParseError> errors = toml.errors();
        TomlParseError first = errors.stream()
                .min(Comparator.comparingInt((TomlParseError e) -> e.position().line())
                        .thenComparingInt(e -> e.position().column()))
                .orElseThrow();
        int more = errors.size() - 1;
        int line = first.position().line();
        // An integer beyond 64 bits is a syntax error to TOML, but to the user a value out of range: name its key.
        String key = first.getMessage().contains("too large") || first.getMessage().contains("too small")
                ? keyOnLine(toml, text, line) : null;
        return fail(key, line, "TOML syntax error at column " + first.position().column()
                + ": " + first.getMessage()
                + (key == null ? "" : " (TOML integers are 64-bit: at most " + Long.MAX_VALUE + ")")
                + (more == 0 ? "" : " (and " + more + " more error" + (more == 1 ? "" : "s") + ")"));
    }

    /**
     * The key assigned on {@code line} as errors name it ({@code config.max_pages},
     * {@code class[2].batch_size}, {@code classes}), from the tables read before the
     * error; null when the line assigns no bare key.
     */
    private static String keyOnLine(TomlParseResult toml, String text, int line) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || line > lines.length) {
            return null;
        }
        Matcher m = KEY_LINE.matcher(lines[line - 1]);
        if (!m.lookingAt()) {
            return null;
        }
        // The table the line belongs to: the one whose header is the last before it.
        String table = null;
        int header = 0;
        for (String k : toml.keySet()) {
            Object v = toml.get(List.of(k));
            if (v instanceof TomlTable) {
                int at = line(toml, k);
                if (at > header && at < line) {
                    table = k;
                    header = at;
                }
            } else if (v instanceof TomlArray array) {
                for (int i = 0; i < array.size(); i++) {
                    int at = line(array, i, 0);
                    if (array.get(i) instanceof TomlTable && at > header && at < line) {
                        table = k + "[" + i + "]";
                        header = at;
                    }
                }
            }
        }
        return table == null ? m.group(1) : table + "." + m.group(1);
    }

    // ---------------------------------------------------------------- [config]

    private void readKnobs(TomlParseResult toml, Config.Builder b) {
        if (!toml.keySet().contains("config")) {
            return;
        }
        Object value = toml.get(List.of("config"));
        int tableLine = line(toml, "config");
        if (!(value instanceof TomlTable table)) {
            throw fail("config", tableLine, "must be a table [config], got " + describe(value));
        }
        lines.put("config", tableLine);
        for (String k : table.keySet()) {
            String key = "config." + k;
            int line = line(table, k);
            if (!CONFIG_KEYS.contains(k)) {
                String hint = TOP_KEYS.contains(k)
                        ? "; a top-level key such as " + k + " must come before the first [table]" : "";
                throw fail(key, line, "unknown key (known keys of [config]: "
                        + String.join(", ", CONFIG_KEYS) + ")" + hint);
            }
            lines.put(key, line);
            Object v = table.get(List.of(k));
            switch (k) {
                case "page_size" -> b.pageSize(intValue(v, key, line));
                case "thread_cache_size" -> b.threadCacheSize(longValue(v, key, line));
                case "min_per_thread_cache" -> b.minPerThreadCache(longValue(v, key, line));
                case "steal_amount" -> b.stealAmount(longValue(v, key, line));
                case "max_free_list_length" -> b.maxFreeListLength(intValue(v, key, line));
                case "max_overages" -> b.maxOverages(intValue(v, key, line));
                case "max_transfer_slots" -> b.maxTransferSlots(intValue(v, key, line));
                case "max_pages" -> b.maxPages(intValue(v, key, line));
                case "per_cpu_cache_size" -> b.perCpuCacheSize(longValue(v, key, line));
                case "address_space" -> b.addressSpace(longValue(v, key, line));
                case "release_decay_ms" -> b.releaseDecayMs(longValue(v, key, line));
                case "release_rate" -> b.releaseRate(longValue(v, key, line));
                case "large_release_threshold" -> b.largeReleaseThreshold(longValue(v, key, line));
                case "large_release_delay_ms" -> b.largeReleaseDelayMs(longValue(v, key, line));
                case "memory_limit" -> b.memoryLimit(longValue(v, key, line));
                case "memory_limit_hard" -> b.memoryLimitHard(longValue(v, key, line));
                default -> throw new AssertionError(k);
            }
        }
    }

    // ---------------------------------------------------------------- classes

    private void readClasses(TomlParseResult toml, Config.Builder b) {
        boolean tables = toml.keySet().contains("class");
        boolean list = toml.keySet().contains("classes");
        if (tables && list) {
            throw fail("classes", line(toml, "classes"), "size classes given twice: as [[class]] tables (line "
                    + line(toml, "class") + ") and as classes = [...]; use one form");
        }
        if (!tables && !list) {
            throw fail("classes", 0, "no size classes: give [[class]] tables (each with a size)"
                    + " or the shorthand classes = [8, 16, ...]");
        }
        if (tables) {
            readClassTables(toml, b);
        } else {
            readClassList(toml, b);
        }
    }

    private void readClassTables(TomlParseResult toml, Config.Builder b) {
        Object value = toml.get(List.of("class"));
        int arrayLine = line(toml, "class");
        if (!(value instanceof TomlArray array)) {
            throw fail("class", arrayLine, "must be an array of tables [[class]], got " + describe(value));
        }
        lines.put("class", arrayLine);
        for (int i = 0; i < array.size(); i++) {
            String key = "class[" + i + "]";
            int tableLine = line(array, i, arrayLine);
            if (!(array.get(i) instanceof TomlTable table)) {
                throw fail(key, tableLine, "must be a table ([[class]] with size = ...), got " + describe(array.get(i)));
            }
            lines.put(key, tableLine);
            Integer size = null;
            Integer pages = null;
            Integer batch = null;
            for (String k : table.keySet()) {
                String fieldKey = key + "." + k;
                int line = line(table, k);
                if (!CLASS_KEYS.contains(k)) {
                    throw fail(fieldKey, line, "unknown key (known keys of [[class]]: "
                            + String.join(", ", CLASS_KEYS) + ")");
                }
                lines.put(fieldKey, line);
                int v = intValue(table.get(List.of(k)), fieldKey, line);
                switch (k) {
                    case "size" -> size = v;
                    case "pages" -> pages = v;
                    case "batch_size" -> batch = v;
                    default -> throw new AssertionError(k);
                }
            }
            if (size == null) {
                throw fail(key, tableLine, "has no size (every [[class]] needs one)");
            }
            b.addClassSpec(size, pages, batch);
        }
    }

    private void readClassList(TomlParseResult toml, Config.Builder b) {
        shorthand = true;
        Object value = toml.get(List.of("classes"));
        int arrayLine = line(toml, "classes");
        if (!(value instanceof TomlArray array)) {
            throw fail("classes", arrayLine, "must be an array of class sizes, got " + describe(value));
        }
        lines.put("classes", arrayLine);
        for (int i = 0; i < array.size(); i++) {
            String key = "classes[" + i + "]";
            int line = line(array, i, arrayLine);
            lines.put(key, line);
            b.addClass(intValue(array.get(i), key, line));
        }
    }

    // ---------------------------------------------------------------- values

    private int intValue(Object v, String key, int line) {
        long n = longValue(v, key, line);
        if (n > Integer.MAX_VALUE) {
            throw fail(key, line, n + " does not fit in an int (at most " + Integer.MAX_VALUE + ")");
        }
        return (int) n;
    }

    private long longValue(Object v, String key, int line) {
        if (!(v instanceof Long n)) {
            throw fail(key, line, "must be an integer, got " + describe(v));
        }
        if (n < 0) {
            throw fail(key, line, "must not be negative, got " + n);
        }
        return n;
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "nothing";
            case String s -> "a string (\"" + s + "\")";
            case Double d -> "a float (" + d + ")";
            case Long n -> "an integer (" + n + ")";
            case Boolean x -> "a boolean (" + x + ")";
            case TomlArray a -> "an array";
            case TomlTable t -> "a table";
            default -> "a date/time (" + v + ")";
        };
    }

    // ---------------------------------------------------------------- positions

    /**
     * {@code e}, a rule broken in the builder (canonical key, line 0), placed in the
     * file: the key as the file writes it ({@code classes[i]} for the shorthand
     * form, {@code class} for an empty table array) and its line.
     */
    private ConfigException place(ConfigException e) {
        String key = e.key();
        if (key == null) {
            return e;
        }
        if (shorthand && key.startsWith("class[")) {
            key = "classes" + key.substring("class".length(), key.indexOf(']') + 1);
        } else if (!shorthand && key.equals("classes")) {
            key = "class";
        }
        return new ConfigException(e.source(), key, lineOf(key), e.problem(), e.getCause());
    }

    /** The line of {@code key}, else of the nearest enclosing key read ("class[2]" for "class[2].pages"), else 0. */
    private int lineOf(String key) {
        String k = key;
        while (true) {
            Integer line = lines.get(k);
            if (line != null) {
                return line;
            }
            int cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
            if (cut <= 0) {
                return 0;
            }
            k = k.substring(0, cut);
        }
    }

    private static int line(TomlTable table, String key) {
        TomlPosition p = table.inputPositionOf(List.of(key));
        return p == null ? 0 : p.line();
    }

    private static int line(TomlArray array, int index, int fallback) {
        TomlPosition p = array.inputPositionOf(index);
        return p == null ? fallback : p.line();
    }

    private ConfigException fail(String key, int line, String problem) {
        return new ConfigException(source, key, line, problem);
    }
}
