package io.rtmalloc.internal;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.AllocatorListener;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.PageHeap;
import io.rtmalloc.spi.PageHeapProvider;
import io.rtmalloc.spi.Providers;
import io.rtmalloc.spi.Stacks;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Builds stacks for {@link RtMalloc}: finds the tier providers, makes the page
 * heap, central cache and front end over one configuration, and puts the
 * allocator over them. {@link RtMalloc} reaches the tiers only through this
 * class, so that the public package names no type of {@code io.rtmalloc.spi}.
 */
public final class StackAssembly {

    /** Front ends in order of preference when none is named. */
    private static final List<String> PREFERENCE = List.of("threadcache", "percpu", "global");

    private StackAssembly() {
    }

    /**
     * Tiers handed in as providers ({@link Stacks#builder}) rather than found by
     * {@link java.util.ServiceLoader}; a null one is left to the loader.
     *
     * @param frontEnd the front end, or null
     * @param centralCache the central cache, or null
     * @param pageHeap the page heap, or null
     */
    public record Tiers(FrontEndProvider frontEnd, CentralCacheProvider centralCache, PageHeapProvider pageHeap) {
        /** Every tier left to {@link java.util.ServiceLoader}. */
        public static final Tiers NONE = new Tiers(null, null, null);

        /**
         * These tiers with the front end left to its name.
         *
         * @return these tiers with the front end left to its name
         */
        public Tiers withoutFrontEnd() {
            return frontEnd == null ? this : new Tiers(null, centralCache, pageHeap);
        }
    }

    /**
     * Registers {@link RtMalloc.Builder}'s setter of tiers with {@link Stacks},
     * once, when that class initializes: tiers as providers come in only
     * through {@code io.rtmalloc.spi}, which the API module exports to
     * rtmalloc's own modules; a public setter would let any module hand in a
     * tier of its own and lead the allocator to any address.
     *
     * @param setter sets a builder's tiers
     * @throws IllegalStateException if one is registered already
     */
    public static void registerBuilder(BiConsumer<RtMalloc.Builder, Tiers> setter) {
        Stacks.register((builder, frontEnd, centralCache, pageHeap) ->
                setter.accept(builder, new Tiers(frontEnd, centralCache, pageHeap)));
    }

    /**
     * A new allocator.
     *
     * @param config the configuration
     * @param frontEndName the front end's name when {@code tiers} has none; null for the default
     * @param tiers the tiers handed in
     * @param name the name to register the allocator under, or null
     * @return a new allocator
     * @throws IllegalArgumentException if no front end of the given name is found, or the
     *         name is taken by a registered allocator
     * @throws IllegalStateException if no page heap or central cache module is present
     */
    public static Allocator build(Config config, String frontEndName, Tiers tiers, String name) {
        FrontEndProvider fe = tiers.frontEnd() != null ? tiers.frontEnd()
                : Providers.frontEnd(frontEndName != null ? frontEndName : defaultFrontEnd());
        PageHeapProvider ph = tiers.pageHeap() != null ? tiers.pageHeap() : Providers.pageHeap();
        CentralCacheProvider cc = tiers.centralCache() != null ? tiers.centralCache() : Providers.centralCache();
        PageHeap heap = ph.create(config);
        CentralCache central = cc.create(config, heap);
        RtAllocator allocator = new RtAllocator(config, fe.create(config, central), central);
        if (name != null) {
            Runnable unregister;
            try {
                unregister = AllocatorListener.INSTANCE.named(name, allocator);
            } catch (RuntimeException e) {
                allocator.close();
                throw e;
            }
            allocator.onClose(unregister);
        }
        return allocator;
    }

    /**
     * The names of the front ends {@link java.util.ServiceLoader} finds.
     *
     * @return the names of the front ends {@link java.util.ServiceLoader} finds
     */
    public static SortedSet<String> frontEnds() {
        SortedSet<String> names = new TreeSet<>();
        for (FrontEndProvider p : Providers.frontEnds()) {
            names.add(p.name());
        }
        return names;
    }

    /**
     * The front end taken when none is named: the first of threadcache, percpu,
     * global that is present, else the first present by name.
     *
     * @return the name of the front end taken when none is named
     * @throws IllegalArgumentException if no front end is present
     */
    public static String defaultFrontEnd() {
        SortedSet<String> names = frontEnds();
        for (String name : PREFERENCE) {
            if (names.contains(name)) {
                return name;
            }
        }
        // With none present, the lookup of the last preference fails, naming those found (none).
        return names.isEmpty() ? Providers.frontEnd(PREFERENCE.getLast()).name() : names.first();
    }
}
