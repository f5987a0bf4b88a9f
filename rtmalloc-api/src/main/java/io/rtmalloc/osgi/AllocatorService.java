package io.rtmalloc.osgi;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.PageHeapProvider;
import io.rtmalloc.spi.Stacks;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

import java.util.function.Consumer;

/**
 * One front end's {@link Allocator} service: built from the front end's
 * provider and the page heap and central cache providers in the service
 * registry (configured by {@link Config#fromEnvironment()}), registered with
 * the property {@value TierActivator#FRONTEND} naming the front end, and
 * withdrawn when one of those providers goes or the front end's bundle stops.
 *
 * <p>Withdrawing unregisters the service first, so that its consumers stop
 * using it (they are told synchronously), then closes the allocator, which
 * returns its memory to the OS. The consumers of the stopped service must not
 * call it afterwards, as {@link Allocator#close()} requires.
 *
 * <p>SYNCHRONIZATION: every method that reads or changes the published
 * allocator holds this object's monitor.
 */
final class AllocatorService {

    private final BundleContext context;
    private final FrontEndProvider frontEnd;
    private final ServiceTracker<PageHeapProvider, PageHeapProvider> pageHeaps;
    private final ServiceTracker<CentralCacheProvider, CentralCacheProvider> centralCaches;

    private PageHeapProvider pageHeap;
    private CentralCacheProvider centralCache;
    private Allocator allocator;
    private ServiceRegistration<Allocator> registration;
    private boolean closed;

    AllocatorService(BundleContext context, FrontEndProvider frontEnd) {
        this.context = context;
        this.frontEnd = frontEnd;
        this.pageHeaps = new ServiceTracker<>(context, PageHeapProvider.class,
                new Follower<>(ph -> publish(ph, null)));
        this.centralCaches = new ServiceTracker<>(context, CentralCacheProvider.class,
                new Follower<>(cc -> publish(null, cc)));
    }

    /** Starts following the providers; the allocator is published as soon as both kinds are there. */
    void open() {
        pageHeaps.open();
        centralCaches.open();
    }

    /** Withdraws the allocator for good. */
    void close() {
        synchronized (this) {
            closed = true;
            withdraw();
        }
        centralCaches.close();
        pageHeaps.close();
    }

    /**
     * Publishes an allocator, if none is and both kinds of provider are there:
     * the one just added (not yet listed by its tracker) or the tracker's best.
     */
    private synchronized void publish(PageHeapProvider addedPageHeap, CentralCacheProvider addedCentralCache) {
        if (allocator != null || closed) {
            return;
        }
        PageHeapProvider ph = addedPageHeap != null ? addedPageHeap : pageHeaps.getService();
        CentralCacheProvider cc = addedCentralCache != null ? addedCentralCache : centralCaches.getService();
        if (ph == null || cc == null) {
            return;
        }
        Allocator a = Stacks.builder(frontEnd, cc, ph).config(Config.fromEnvironment()).build();
        pageHeap = ph;
        centralCache = cc;
        allocator = a;
        registration = context.registerService(Allocator.class, a, TierActivator.frontEndProperties(frontEnd.name()));
    }

    /** A provider went: the allocator built on it goes too, and another is built on what remains. */
    private synchronized void providerGone(Object provider) {
        if (provider == pageHeap || provider == centralCache) {
            withdraw();
            publish(null, null);
        }
    }

    /** Unregisters the service, then closes the allocator. */
    private synchronized void withdraw() {
        Allocator a = allocator;
        ServiceRegistration<Allocator> r = registration;
        allocator = null;
        registration = null;
        pageHeap = null;
        centralCache = null;
        if (a == null) {
            return;
        }
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        } finally {
            a.close();
        }
    }

    /** Tells this service when a provider of one kind comes or goes. */
    private final class Follower<T> implements ServiceTrackerCustomizer<T, T> {
        private final Consumer<T> added;

        Follower(Consumer<T> added) {
            this.added = added;
        }

        @Override
        public T addingService(ServiceReference<T> reference) {
            T service = context.getService(reference);
            if (service != null) {
                added.accept(service);
            }
            return service;
        }

        @Override
        public void modifiedService(ServiceReference<T> reference, T service) {
        }

        @Override
        public void removedService(ServiceReference<T> reference, T service) {
            providerGone(service); // the tracker no longer lists it
            context.ungetService(reference);
        }
    }
}
