package io.rtmalloc;

/**
 * Reads a configuration text into a {@link Config}: the service behind
 * {@link Config#parse}, {@link Config#load} and {@link Config#fromEnvironment()}.
 *
 * <p>This module has no reader of its own, so that it needs nothing but
 * {@code java.base}; the rtmalloc-toml module provides one for TOML, found by
 * {@link java.util.ServiceLoader} (on the module path through its
 * {@code provides} clause, on the class path through
 * {@code META-INF/services}). The first reader found is used.
 */
public interface ConfigReader {

    /**
     * Reads {@code text}.
     *
     * @param text   the configuration text
     * @param source the name errors give the text (a file name, {@value Config#STRING_SOURCE})
     * @return the configuration the text describes
     * @throws ConfigException for the first broken rule
     */
    Config read(String text, String source);
}
