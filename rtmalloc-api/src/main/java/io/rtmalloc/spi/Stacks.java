package io.rtmalloc.spi;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;

import java.util.function.Function;

/**
 * Builders of stacks over tiers handed in as providers, rather than found by
 * {@link java.util.ServiceLoader}: for rtmalloc's own modules, such as a front
 * end's OSGi component, which builds the front end's allocator over the
 * providers in the service registry, and tests that keep a front end in reach.
 *
 * <p>{@link RtMalloc.Builder} itself takes no provider: a module outside
 * rtmalloc could otherwise hand in a tier of its own, whose blocks could be
 * any address, and have the allocator read, write and hand out segments over
 * them. This package is exported only to rtmalloc's modules.
 */
public final class Stacks {

    /**
     * Hands providers to a builder. The one instance sets {@link RtMalloc.Builder}'s
     * private tiers; the API module's implementation registers it when that
     * class initializes.
     */
    @FunctionalInterface
    public interface Tiers {
        /**
         * Sets the builder's tiers; a null one is left to {@link java.util.ServiceLoader}.
         *
         * @param builder the builder
         * @param frontEnd the front end, or null
         * @param centralCache the central cache, or null
         * @param pageHeap the page heap, or null
         */
        void set(RtMalloc.Builder builder, FrontEndProvider frontEnd, CentralCacheProvider centralCache,
                 PageHeapProvider pageHeap);
    }

    /** Guarded by {@code Stacks.class}. */
    private static Tiers tiers;

    private Stacks() {
    }

    /**
     * Registers {@link RtMalloc.Builder}'s setter of tiers, once.
     *
     * @param builderTiers the setter
     * @throws IllegalStateException if one is registered already
     */
    public static synchronized void register(Tiers builderTiers) {
        if (tiers != null) {
            throw new IllegalStateException("the builder's tiers are registered already");
        }
        tiers = builderTiers;
    }

    private static synchronized Tiers tiers() {
        return tiers;
    }

    /**
     * A builder over these providers, configured as any other; a null provider
     * leaves that tier to {@link java.util.ServiceLoader}. Naming a front end
     * afterwards ({@link RtMalloc.Builder#frontEnd(String)}) replaces the one
     * given here.
     *
     * @param frontEnd the front end, or null
     * @param centralCache the central cache, or null
     * @param pageHeap the page heap, or null
     * @return a builder over these providers
     */
    public static RtMalloc.Builder builder(FrontEndProvider frontEnd, CentralCacheProvider centralCache,
                                           PageHeapProvider pageHeap) {
        RtMalloc.Builder builder = RtMalloc.builder(); // initializes the class, which registers its setter
        tiers().set(builder, frontEnd, centralCache, pageHeap);
        return builder;
    }

    /**
     * Builds an allocator over these providers and hands it to {@code publish},
     * which makes it known (registers it as an OSGi service, say) and answers
     * how to withdraw it. Answers what undoes both, in this order: the
     * withdrawal, so that its consumers are told while it still works, then
     * {@link Allocator#close()}, which returns its memory. If {@code publish}
     * throws, the allocator, which nobody else holds, is closed and the
     * exception passed on.
     *
     * @param frontEnd the front end
     * @param centralCache the central cache
     * @param pageHeap the page heap
     * @param config the configuration
     * @param publish makes the allocator known and answers how to withdraw it
     * @return withdraws the allocator, then closes it
     */
    public static Runnable publish(FrontEndProvider frontEnd, CentralCacheProvider centralCache,
                                   PageHeapProvider pageHeap, Config config, Function<Allocator, Runnable> publish) {
        Allocator allocator = builder(frontEnd, centralCache, pageHeap).config(config).build();
        Runnable withdraw;
        try {
            withdraw = publish.apply(allocator);
        } catch (RuntimeException e) {
            allocator.close(); // not published: nobody else holds it
            throw e;
        }
        return () -> {
            try {
                withdraw.run();
            } finally {
                allocator.close();
            }
        };
    }
}
