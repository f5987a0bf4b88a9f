package io.rtmalloc.percpu;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.PageHeapProvider;
import io.rtmalloc.spi.Stacks;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import java.util.Hashtable;
import java.util.Map;

/**
 * In an OSGi framework, the "percpu" front end's {@link Allocator} service: a
 * Declarative Services component that is active while a
 * {@link PageHeapProvider} and a {@link CentralCacheProvider} service are
 * registered (static, mandatory references), builds an allocator of this front
 * end over them, configured by {@link Config#fromEnvironment()}, and registers
 * it with the property {@code rtmalloc.frontend=percpu}. Outside a framework
 * nothing loads this class.
 *
 * <p>The allocator itself is the service object, registered through this
 * bundle's context: the service of a component is the component object, and an
 * allocator wrapped in one would add a call to every {@code malloc} and
 * {@code free}. When a provider it uses goes, or this bundle stops, Declarative
 * Services deactivates the component, which unregisters the service first, so
 * that its consumers are told synchronously and stop using it, then closes the
 * allocator, which returns its memory to the OS (the providers are still there
 * while it does). When a page heap and a central cache are there again, a new
 * component instance publishes a fresh allocator.
 */
@Component
public final class PerCpuAllocatorComponent {

    /** Unregisters the service, then closes the allocator ({@link Stacks#publish}). */
    private final Runnable withdraw;

    /**
     * Builds the allocator and registers it; Declarative Services calls this
     * once both providers are there.
     *
     * @param context this bundle's context, which registers the service
     * @param pageHeap the page heap provider service
     * @param centralCache the central cache provider service
     */
    @Activate
    public PerCpuAllocatorComponent(BundleContext context,
            @Reference(name = "pageHeap") PageHeapProvider pageHeap,
            @Reference(name = "centralCache") CentralCacheProvider centralCache) {
        withdraw = Stacks.publish(new PerCpuFrontEndProvider(), centralCache, pageHeap, Config.fromEnvironment(), allocator -> {
            ServiceRegistration<Allocator> registration = context.registerService(Allocator.class, allocator,
                    new Hashtable<>(Map.of(RtMalloc.FRONTEND_PROPERTY, PerCpuFrontEnd.NAME)));
            return () -> {
                try {
                    registration.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the framework unregisters a stopped bundle's services itself
                }
            };
        });
    }

    /** Unregisters the service, then closes the allocator. */
    @Deactivate
    void deactivate() {
        withdraw.run();
    }
}
