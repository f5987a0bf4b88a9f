package io.rtmalloc;

/**
 * A configuration that breaks a rule of {@link Config}: a TOML syntax error, an
 * unknown key, a value of the wrong type, or a value the allocator cannot work with.
 *
 * <p>It says where the problem is: the {@link #source() source} (a file path,
 * {@code "<string>"}, {@code "<defaults>"} or {@code "<code>"}), the
 * {@link #key() key} (as {@code "config.page_size"}, {@code "class[3].size"} or
 * {@code "classes[2]"}; array indices count from 0, as in the TOML array) and the
 * 1-based {@link #line() line} of the TOML text. The message holds all three, for
 * example {@code rtmalloc.toml:4: config.page_size: 5000 is not a power of two >= 4096}.
 */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Where the configuration came from. @serial the source, or null when unknown */
    private final String source;
    /** The key at fault. @serial the key, or null when the problem is about no key */
    private final String key;
    /** The line at fault. @serial 1-based line in the TOML text, 0 when unknown */
    private final int line;
    /** What is wrong. @serial the problem, without the location */
    private final String problem;

    /**
     * A problem at no particular place.
     *
     * @param message what is wrong
     */
    public ConfigException(String message) {
        this(null, null, 0, message, null);
    }

    /**
     * A problem at a place.
     *
     * @param source  where the configuration came from, or null when unknown
     * @param key     the offending key, or null when the problem is about no key
     * @param line    1-based line in the TOML text, 0 when unknown
     * @param problem what is wrong, without the location
     */
    public ConfigException(String source, String key, int line, String problem) {
        this(source, key, line, problem, null);
    }

    /**
     * A problem at a place, caused by another exception (for example the
     * {@link java.io.IOException} of a file that cannot be read).
     *
     * @param source  where the configuration came from, or null when unknown
     * @param key     the offending key, or null when the problem is about no key
     * @param line    1-based line in the TOML text, 0 when unknown
     * @param problem what is wrong, without the location
     * @param cause   the underlying exception, or null
     */
    public ConfigException(String source, String key, int line, String problem, Throwable cause) {
        super(format(source, key, line, problem), cause);
        this.source = source;
        this.key = key;
        this.line = Math.max(line, 0);
        this.problem = problem;
    }

    /**
     * Where the configuration came from (a path, {@code "<string>"}, ...), or null when unknown.
     *
     * @return the source, or null
     */
    public String source() {
        return source;
    }

    /**
     * The offending key, such as {@code "config.page_size"} or {@code "class[3].size"}; null when about no key.
     *
     * @return the offending key, such as {@code "config.page_size"} or {@code "class[3].size"}
     */
    public String key() {
        return key;
    }

    /**
     * The 1-based line in the TOML text; 0 when unknown (for example for a {@link Config} built in code).
     *
     * @return the 1-based line in the TOML text
     */
    public int line() {
        return line;
    }

    /**
     * What is wrong, without source, line and key.
     *
     * @return the problem
     */
    public String problem() {
        return problem;
    }

    private static String format(String source, String key, int line, String problem) {
        StringBuilder b = new StringBuilder();
        if (source != null) {
            b.append(source);
            if (line > 0) {
                b.append(':').append(line);
            }
            b.append(": ");
        } else if (line > 0) {
            b.append("line ").append(line).append(": ");
        }
        if (key != null) {
            b.append(key).append(": ");
        }
        return b.append(problem).toString();
    }
}
