package io.rtmalloc.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The tier providers {@link ServiceLoader} finds, looked up from the API module
 * (which declares the {@code uses}), so that a module assembling or testing
 * part of a stack need not declare them itself. Providers in named modules are
 * found through their {@code provides}; those on the class path through
 * {@code META-INF/services}.
 */
public final class Providers {

    private Providers() {
    }

    /**
     * Page heap providers.
     *
     * @return the page heap providers found
     */
    public static List<PageHeapProvider> pageHeaps() {
        return load(PageHeapProvider.class);
    }

    /**
     * Central cache providers.
     *
     * @return the central cache providers found
     */
    public static List<CentralCacheProvider> centralCaches() {
        return load(CentralCacheProvider.class);
    }

    /**
     * Front-end providers.
     *
     * @return the front-end providers found
     */
    public static List<FrontEndProvider> frontEnds() {
        return load(FrontEndProvider.class);
    }

    /**
     * The first page heap provider.
     *
     * @return the first page heap provider
     * @throws IllegalStateException when there is none
     */
    public static PageHeapProvider pageHeap() {
        return first(pageHeaps(), PageHeapProvider.class, "io.rtmalloc.pageheap (rtmalloc-pageheap)");
    }

    /**
     * The first central cache provider.
     *
     * @return the first central cache provider
     * @throws IllegalStateException when there is none
     */
    public static CentralCacheProvider centralCache() {
        return first(centralCaches(), CentralCacheProvider.class, "io.rtmalloc.central (rtmalloc-central)");
    }

    /**
     * The front end of this name.
     *
     * @param name the front end's name
     * @return the front end of this name
     * @throws IllegalArgumentException naming those found when there is none
     */
    public static FrontEndProvider frontEnd(String name) {
        List<String> seen = new ArrayList<>();
        for (FrontEndProvider p : frontEnds()) {
            if (p.name().equals(name)) {
                return p;
            }
            seen.add(p.name());
        }
        throw new IllegalArgumentException("no rtmalloc front end named '" + name + "'; found: " + seen);
    }

    private static <T> T first(List<T> found, Class<T> type, String module) {
        if (found.isEmpty()) {
            throw new IllegalStateException("no " + type.getSimpleName() + " found: put " + module
                    + " on the module path or class path");
        }
        return found.getFirst();
    }

    private static <T> List<T> load(Class<T> type) {
        List<T> found = new ArrayList<>();
        ServiceLoader.load(type, Providers.class.getClassLoader()).forEach(found::add);
        if (found.isEmpty()) {
            ServiceLoader.load(type).forEach(found::add);
        }
        return found;
    }
}
