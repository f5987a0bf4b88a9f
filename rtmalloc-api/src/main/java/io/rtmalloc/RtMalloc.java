package io.rtmalloc;

import io.rtmalloc.internal.StackAssembly;

import java.nio.file.Path;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.SortedSet;

/**
 * Builds and finds allocators.
 *
 * <p>A stack is a front end over a central cache over a page heap, each found
 * through {@link java.util.ServiceLoader} (the modules {@code io.rtmalloc.global},
 * {@code io.rtmalloc.threadcache} or {@code io.rtmalloc.percpu} over
 * {@code io.rtmalloc.central} and {@code io.rtmalloc.pageheap}):
 *
 * <pre>{@code
 * Allocator a = RtMalloc.builder().frontEnd("global").build();
 * long p = a.malloc(64);
 * a.free(p);
 * }</pre>
 *
 * <p>Only rtmalloc's own modules hand tiers in as providers instead (the front
 * ends' OSGi components, with those of the service registry), through
 * {@code io.rtmalloc.spi}, which the API module exports to them alone.
 *
 * <p>Every {@link #builder()} build makes an independent allocator with its own
 * page heap; {@link #global()} is the one process-wide instance.
 */
public final class RtMalloc {

    /** The system property naming the front end of {@link #global()}. */
    public static final String FRONTEND_PROPERTY = "rtmalloc.frontend";

    private RtMalloc() {
    }

    /**
     * The process-wide allocator: configured by {@link Config#fromEnvironment()},
     * with the front end named by {@code -Drtmalloc.frontend}, else the first of
     * threadcache, percpu, global that is present. A blank property counts as
     * unset. Built on the first call; every later call returns the same instance.
     *
     * @return the process-wide allocator
     * @throws IllegalStateException on every call, with the same message, when it
     *         cannot be built: the message names the system property or
     *         environment variable and the reason, and the cause is the
     *         {@link ConfigException} (a file that cannot be read or breaks a rule,
     *         a front end that is not present) or whatever else stopped the build
     */
    public static Allocator global() {
        // One read of a constant once the holder is initialised: the branch folds away.
        Allocator a = GlobalHolder.INSTANCE;
        if (a != null) {
            return a;
        }
        throw GlobalHolder.failure();
    }

    /**
     * Holds the process-wide allocator or, when it could not be built, why not.
     * Its initialiser never throws, so that a bad setting is a clear exception on
     * every call of {@link #global()} rather than an {@link ExceptionInInitializerError}
     * once and a {@link NoClassDefFoundError} ever after.
     */
    private static final class GlobalHolder {
        /** The allocator; null when it could not be built. */
        static final Allocator INSTANCE;
        /** Why it could not be built (the message {@link #global()} throws); null when built. */
        static final String FAILURE_MESSAGE;
        /** The exception that stopped the build; null when built. */
        static final Throwable FAILURE_CAUSE;

        static {
            Allocator built = null;
            String message = null;
            Throwable cause = null;
            try {
                built = buildGlobal();
            } catch (GlobalSettingException e) {
                message = e.getMessage();
                cause = e.getCause();
            } catch (RuntimeException | ServiceConfigurationError | OutOfMemoryError e) {
                // No page heap or central cache module, a broken provider, or the OS refusing the reservation.
                message = "rtmalloc: RtMalloc.global() cannot be built: " + e;
                cause = e;
            }
            INSTANCE = built;
            FAILURE_MESSAGE = message;
            FAILURE_CAUSE = cause;
        }

        /** A new exception for each call (with the caller's stack), the same message and cause each time. */
        static IllegalStateException failure() {
            return new IllegalStateException(FAILURE_MESSAGE, FAILURE_CAUSE);
        }
    }

    /** A bad setting of {@link #global()}: its message is the one {@link #global()} throws. */
    private static final class GlobalSettingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GlobalSettingException(String message, ConfigException cause) {
            super(message, cause);
        }
    }

    /**
     * Builds the process-wide allocator, checking both settings before anything
     * is allocated.
     *
     * @throws GlobalSettingException naming the setting when one is bad
     */
    private static Allocator buildGlobal() {
        String frontEndName = System.getProperty(FRONTEND_PROPERTY);
        if (frontEndName == null || frontEndName.isBlank()) {
            frontEndName = StackAssembly.defaultFrontEnd();
        } else {
            frontEndName = frontEndName.strip();
            SortedSet<String> found = frontEnds();
            if (!found.contains(frontEndName)) {
                ConfigException e = new ConfigException("system property " + FRONTEND_PROPERTY, null, 0,
                        "no front end named '" + frontEndName + "' is present (found: "
                                + String.join(", ", found) + ")");
                throw new GlobalSettingException("rtmalloc: RtMalloc.global() cannot be built: " + e.getMessage(), e);
            }
        }
        String property = System.getProperty(Config.CONFIG_PROPERTY);
        String env = System.getenv(Config.CONFIG_ENV);
        Config config;
        try {
            config = Config.fromEnvironment(property, env);
        } catch (ConfigException e) {
            // Only a named file can be bad: the shipped defaults are checked by the build.
            String origin = property != null && !property.isBlank()
                    ? "system property " + Config.CONFIG_PROPERTY + " (" + property.strip() + ")"
                    : "environment variable " + Config.CONFIG_ENV + " (" + String.valueOf(env).strip() + ")";
            throw new GlobalSettingException("rtmalloc: RtMalloc.global() cannot be built: the configuration"
                    + " named by " + origin + " is invalid: " + e.getMessage(), e);
        }
        return builder().frontEnd(frontEndName).config(config).build();
    }

    /**
     * The names of the front ends {@link java.util.ServiceLoader} finds.
     *
     * @return the names of the front ends {@link java.util.ServiceLoader} finds
     */
    public static SortedSet<String> frontEnds() {
        return StackAssembly.frontEnds();
    }

    /**
     * A builder of a new, independent allocator.
     *
     * @return a builder of a new, independent allocator
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Assembles one stack. Not thread-safe; {@link #build()} may be called more than once. */
    public static final class Builder {
        private String frontEndName;
        /** The tiers handed in through {@code io.rtmalloc.spi.Stacks}; none for a plain builder. */
        private StackAssembly.Tiers tiers = StackAssembly.Tiers.NONE;
        private Config config;
        private String name;

        static {
            // Tiers as providers come in only through io.rtmalloc.spi.Stacks, which the API module
            // exports to rtmalloc's own modules: a public setter would let any module hand in a
            // tier of its own and lead the allocator to any address.
            StackAssembly.registerBuilder((builder, tiers) -> builder.tiers = tiers);
        }

        private Builder() {
        }

        /**
         * The front end by name ("global", "threadcache", "percpu"), found by ServiceLoader.
         *
         * @param name the name
         * @return the front end by name ("global", "threadcache", "percpu"), found by ServiceLoader
         */
        public Builder frontEnd(String name) {
            this.frontEndName = Objects.requireNonNull(name, "name");
            this.tiers = tiers.withoutFrontEnd();
            return this;
        }

        /**
         * A name: with the rtmalloc-management module present, the allocator is then
         * registered in the platform MBean server as
         * {@code io.rtmalloc:type=Allocator,name=<name>} (its {@code AllocatorMXBean}),
         * and unregistered when it closes. Without a name nothing is registered.
         *
         * @param name the name
         * @return a name
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("an allocator name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * The configuration as a value.
         *
         * @param config the configuration
         * @return the configuration as a value
         */
        public Builder config(Config config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * The configuration from a TOML file.
         *
         * @param file the TOML file
         * @return the configuration from a TOML file
         */
        public Builder config(Path file) {
            return config(Config.load(file));
        }

        /**
         * The configuration from TOML text.
         *
         * @param toml the TOML text
         * @return the configuration from TOML text
         */
        public Builder config(String toml) {
            return config(Config.parse(toml));
        }

        /**
         * A new allocator.
         *
         * @return a new allocator
         * @throws IllegalArgumentException if no front end of the given name is found, or the
         *         name is taken by a registered allocator
         * @throws IllegalStateException if no page heap or central cache module is present
         */
        public Allocator build() {
            return StackAssembly.build(config != null ? config : Config.defaults(), frontEndName, tiers, name);
        }
    }
}
