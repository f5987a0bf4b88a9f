package io.rtmalloc;

import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapProvider;
import io.rtmalloc.spi.Providers;
import io.rtmalloc.spi.Stacks;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

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
 * <p>Only rtmalloc's own modules hand tiers in as providers instead (the OSGi
 * activator, with those of the service registry), through
 * {@code io.rtmalloc.spi}, which the API module exports to them alone.
 *
 * <p>Every {@link #builder()} build makes an independent allocator with its own
 * page heap; {@link #global()} is the one process-wide instance.
 */
public final class RtMalloc {

    /** The system property naming the front end of {@link #global()}. */
    public static final String FRONTEND_PROPERTY = "rtmalloc.frontend";

    /** Front ends in order of preference when none is named. */
    private static final List<String> PREFERENCE = List.of("threadcache", "percpu", "global");

    private RtMalloc() {
    }

    /**
     * The process-wide allocator: configured by {@link Config#fromEnvironment()},
     * with the front end named by {@code -Drtmalloc.frontend}, else the first of
     * threadcache, percpu, global that is present.
     */
    public static Allocator global() {
        return GlobalHolder.INSTANCE;
    }

    private static final class GlobalHolder {
        static final Allocator INSTANCE = builder()
                .frontEnd(System.getProperty(FRONTEND_PROPERTY, defaultFrontEnd()))
                .config(Config.fromEnvironment())
                .build();
    }

    private static String defaultFrontEnd() {
        SortedSet<String> names = frontEnds();
        for (String name : PREFERENCE) {
            if (names.contains(name)) {
                return name;
            }
        }
        return names.isEmpty() ? "global" : names.first();
    }

    /** The names of the front ends {@link java.util.ServiceLoader} finds. */
    public static SortedSet<String> frontEnds() {
        SortedSet<String> names = new TreeSet<>();
        for (FrontEndProvider p : Providers.frontEnds()) {
            names.add(p.name());
        }
        return names;
    }

    /** A builder of a new, independent allocator. */
    public static Builder builder() {
        return new Builder();
    }

    /** Assembles one stack. Not thread-safe; {@link #build()} may be called more than once. */
    public static final class Builder {
        private String frontEndName;
        private FrontEndProvider frontEnd;
        private CentralCacheProvider centralCache;
        private PageHeapProvider pageHeap;
        private Config config;
        private String name;

        static {
            // Tiers as providers come in only through io.rtmalloc.spi.Stacks, which the API module
            // exports to rtmalloc's own modules: a public setter would let any module hand in a
            // tier of its own and lead the allocator to any address.
            Stacks.register((builder, frontEnd, centralCache, pageHeap) -> {
                builder.frontEnd = frontEnd;
                builder.frontEndName = frontEnd != null ? frontEnd.name() : null;
                builder.centralCache = centralCache;
                builder.pageHeap = pageHeap;
            });
        }

        private Builder() {
        }

        /** The front end by name ("global", "threadcache", "percpu"), found by ServiceLoader. */
        public Builder frontEnd(String name) {
            this.frontEndName = Objects.requireNonNull(name, "name");
            this.frontEnd = null;
            return this;
        }

        /**
         * A name: the allocator is then registered in the platform MBean server as
         * {@code io.rtmalloc:type=Allocator,name=<name>} ({@link AllocatorMXBean}),
         * and unregistered when it closes. Without a name nothing is registered.
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("an allocator name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** The configuration as a value. */
        public Builder config(Config config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The configuration from a TOML file. */
        public Builder config(Path file) {
            return config(Config.load(file));
        }

        /** The configuration from TOML text. */
        public Builder config(String toml) {
            return config(Config.parse(toml));
        }

        /**
         * A new allocator.
         *
         * @throws IllegalArgumentException if no front end of the given name is found, or the
         *         name is taken by a registered allocator
         * @throws IllegalStateException if no page heap or central cache module is present
         */
        public Allocator build() {
            Config c = config != null ? config : Config.defaults();
            FrontEndProvider fe = frontEnd != null ? frontEnd
                    : Providers.frontEnd(frontEndName != null ? frontEndName : defaultFrontEnd());
            PageHeapProvider ph = pageHeap != null ? pageHeap : Providers.pageHeap();
            CentralCacheProvider cc = centralCache != null ? centralCache : Providers.centralCache();
            PageHeap heap = ph.create(c);
            CentralCache central = cc.create(c, heap);
            RtAllocator allocator = new RtAllocator(c, fe.create(c, central), central);
            if (name != null) {
                try {
                    AllocatorMXBeans.register(name, allocator);
                } catch (RuntimeException e) {
                    allocator.close();
                    throw e;
                }
                String registered = name;
                allocator.onClose(() -> AllocatorMXBeans.unregister(registered));
            }
            return allocator;
        }
    }
}
