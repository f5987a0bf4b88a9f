package io.rtmalloc.toml;

import io.rtmalloc.Config;
import io.rtmalloc.ConfigException;
import io.rtmalloc.SizeClass;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link Config} as TOML: reading ({@link #parse}, {@link #load}) and writing
 * ({@link #write}). The format and its rules are described on {@link Config};
 * {@code rtmalloc.toml} in this jar is {@link Config#defaults()} written out in
 * full, with a comment on every key.
 *
 * <p>With this module present, {@link Config#parse} and {@link Config#load}
 * read TOML too (through {@link TomlReader}); inside an OSGi framework, where
 * {@link java.util.ServiceLoader} does not cross bundles, call this class.
 */
public final class TomlConfig {

    private TomlConfig() {
    }

    /**
     * Parses a TOML text; its source is {@value Config#STRING_SOURCE}.
     *
     * @param toml the text
     * @return the configuration it describes
     * @throws ConfigException if the text breaks a rule
     */
    public static Config parse(String toml) {
        return parse(toml, Config.STRING_SOURCE);
    }

    /**
     * Parses a TOML text.
     *
     * @param toml   the text
     * @param source the name errors give the text (such as a file name)
     * @return the configuration it describes
     * @throws ConfigException if the text breaks a rule
     */
    public static Config parse(String toml, String source) {
        return TomlParser.parse(toml, source);
    }

    /**
     * Reads a TOML file (UTF-8); its source is the path.
     *
     * @param file the file
     * @return the configuration it describes
     * @throws ConfigException if the file cannot be read (with the
     *         {@link IOException} as cause) or breaks a rule
     */
    public static Config load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, 0, "cannot read the file: " + e, e);
        }
        return parse(text, file.toString());
    }

    /**
     * {@code config} as a TOML text that {@link #parse} reads back into an equal
     * configuration (apart from its source): every knob and, for every class,
     * its size, pages and batch size.
     *
     * @param config the configuration to write
     * @return the TOML text
     */
    public static String write(Config config) {
        StringBuilder b = new StringBuilder(64 * (config.classes().size() + 12));
        b.append("# rtmalloc configuration, written from ").append(config.source()).append('\n');
        b.append("[config]\n");
        b.append("page_size = ").append(config.pageSize()).append('\n');
        b.append("thread_cache_size = ").append(config.threadCacheSize()).append('\n');
        b.append("min_per_thread_cache = ").append(config.minPerThreadCache()).append('\n');
        b.append("steal_amount = ").append(config.stealAmount()).append('\n');
        b.append("max_free_list_length = ").append(config.maxFreeListLength()).append('\n');
        b.append("max_overages = ").append(config.maxOverages()).append('\n');
        b.append("max_transfer_slots = ").append(config.maxTransferSlots()).append('\n');
        b.append("max_pages = ").append(config.maxPages()).append('\n');
        b.append("per_cpu_cache_size = ").append(config.perCpuCacheSize()).append('\n');
        b.append("address_space = ").append(config.addressSpace()).append('\n');
        b.append("release_decay_ms = ").append(config.releaseDecayMs()).append('\n');
        b.append("release_rate = ").append(config.releaseRate()).append('\n');
        b.append("large_release_threshold = ").append(config.largeReleaseThreshold()).append('\n');
        b.append("large_release_delay_ms = ").append(config.largeReleaseDelayMs()).append('\n');
        b.append("memory_limit = ").append(config.memoryLimit()).append('\n');
        b.append("memory_limit_hard = ").append(config.memoryLimitHard()).append('\n');
        for (SizeClass c : config.classes()) {
            b.append("\n[[class]]\n");
            b.append("size = ").append(c.size()).append('\n');
            b.append("pages = ").append(c.pages()).append('\n');
            b.append("batch_size = ").append(c.batchSize()).append('\n');
        }
        return b.toString();
    }
}
