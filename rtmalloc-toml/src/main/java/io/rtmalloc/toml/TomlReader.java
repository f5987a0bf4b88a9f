package io.rtmalloc.toml;

import io.rtmalloc.Config;
import io.rtmalloc.ConfigReader;

/**
 * The TOML {@link ConfigReader}: with this module present, {@link Config#parse}
 * and {@link Config#load} read TOML. {@link java.util.ServiceLoader} makes it;
 * code calls {@link TomlConfig} instead.
 */
public final class TomlReader implements ConfigReader {

    /** Made by {@link java.util.ServiceLoader}. */
    public TomlReader() {
    }

    @Override
    public Config read(String text, String source) {
        return TomlParser.parse(text, source);
    }
}
