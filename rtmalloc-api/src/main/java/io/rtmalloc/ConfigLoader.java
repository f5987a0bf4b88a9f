package io.rtmalloc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Loading a {@link Config}: which file the environment names, reading it, and
 * handing its text to the {@link ConfigReader} found by {@link ServiceLoader}.
 */
final class ConfigLoader {

    private ConfigLoader() {
    }

    /** {@link Config#parse(String, String)}. */
    static Config parse(String text, String source) {
        Objects.requireNonNull(text, "toml");
        String name = source == null ? Config.STRING_SOURCE : source;
        return Reader.find(name).read(text, name);
    }

    /** {@link Config#fromEnvironment()} with the values passed in: a null or blank value counts as unset. */
    static Config fromEnvironment(String propertyValue, String envValue) {
        if (propertyValue != null && !propertyValue.isBlank()) {
            return load(propertyValue.strip(), "named by system property " + Config.CONFIG_PROPERTY);
        }
        if (envValue != null && !envValue.isBlank()) {
            return load(envValue.strip(), "named by environment variable " + Config.CONFIG_ENV);
        }
        return Config.defaults();
    }

    private static Config load(String path, String origin) {
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            throw new ConfigException(path, null, 0, "not a valid path (" + origin + "): " + e.getMessage(), e);
        }
        return load(file, origin);
    }

    /** Reads {@code file}; {@code origin}, if not null, says in errors who named it. */
    static Config load(Path file, String origin) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, 0, "cannot read the file"
                    + (origin == null ? "" : " (" + origin + ")") + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /** The reader, looked up once, on first use. */
    private static final class Reader {
        private static final ConfigReader INSTANCE = lookUp();

        static ConfigReader find(String source) {
            if (INSTANCE == null) {
                throw new ConfigException(source, null, 0, "no configuration reader is present: put the"
                        + " rtmalloc-toml module on the module or class path, or build the Config in code");
            }
            return INSTANCE;
        }

        /** As the tiers are found: this module's class loader first, then the thread's context loader. */
        private static ConfigReader lookUp() {
            Iterator<ConfigReader> it = ServiceLoader.load(ConfigReader.class, Config.class.getClassLoader())
                    .iterator();
            if (!it.hasNext()) {
                it = ServiceLoader.load(ConfigReader.class).iterator();
            }
            return it.hasNext() ? it.next() : null;
        }
    }
}
