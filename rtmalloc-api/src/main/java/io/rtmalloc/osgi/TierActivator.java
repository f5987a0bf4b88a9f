package io.rtmalloc.osgi;

import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.CentralCacheProvider;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.PageHeapProvider;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

/**
 * The {@code Bundle-Activator} of every rtmalloc tier bundle. On start it
 * reads the bundle's own {@code META-INF/services} files (the ones
 * {@link java.util.ServiceLoader} reads on the class path) and registers each
 * provider as an OSGi service: a {@link PageHeapProvider}, a
 * {@link CentralCacheProvider} or a {@link FrontEndProvider}, the last with
 * the property {@value #FRONTEND} naming it. For each front end it also
 * publishes an {@link io.rtmalloc.Allocator} service with the same property
 * while a page heap and a central cache provider are registered
 * ({@link AllocatorService}).
 *
 * <p>On stop everything it registered goes, and the front end's allocator is
 * closed: its memory goes back to the OS. A tier bundle names this class in its
 * manifest ({@code Bundle-Activator: io.rtmalloc.osgi.TierActivator}) and
 * imports this package; the class itself lives in the API bundle, which
 * exports this package with the mandatory attribute {@code rtmalloc.internal}
 * (the tier bundles import it with {@code rtmalloc.internal=true}).
 */
public final class TierActivator implements BundleActivator {

    /** The service property naming a front end, as {@code RtMalloc.builder().frontEnd(name)} does. */
    public static final String FRONTEND = RtMalloc.FRONTEND_PROPERTY;

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<AllocatorService> allocators = new ArrayList<>();

    /** The constructor the framework calls. */
    public TierActivator() {
    }

    @Override
    public void start(BundleContext context) throws Exception {
        Bundle bundle = context.getBundle();
        for (PageHeapProvider p : providers(bundle, PageHeapProvider.class)) {
            registrations.add(context.registerService(PageHeapProvider.class, p, null));
        }
        for (CentralCacheProvider p : providers(bundle, CentralCacheProvider.class)) {
            registrations.add(context.registerService(CentralCacheProvider.class, p, null));
        }
        for (FrontEndProvider p : providers(bundle, FrontEndProvider.class)) {
            registrations.add(context.registerService(FrontEndProvider.class, p, frontEndProperties(p.name())));
            AllocatorService service = new AllocatorService(context, p);
            allocators.add(service);
            service.open();
        }
    }

    @Override
    public void stop(BundleContext context) {
        RuntimeException failure = null;
        for (AllocatorService service : allocators.reversed()) {
            try {
                service.close();
            } catch (RuntimeException e) {
                failure = add(failure, e);
            }
        }
        allocators.clear();
        for (ServiceRegistration<?> r : registrations.reversed()) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework may have unregistered it already
            }
        }
        registrations.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException add(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** The service properties of a front end's services. */
    static Dictionary<String, Object> frontEndProperties(String name) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(FRONTEND, name);
        return properties;
    }

    /**
     * The providers of {@code type} listed in the bundle's
     * {@code META-INF/services/<type>} file (one class name a line, {@code #}
     * comments), loaded through the bundle and made with their public no-arg
     * constructor, as {@link java.util.ServiceLoader} would.
     */
    static <T> List<T> providers(Bundle bundle, Class<T> type) throws IOException, ReflectiveOperationException {
        List<T> found = new ArrayList<>();
        URL entry = bundle.getEntry("META-INF/services/" + type.getName());
        if (entry == null) {
            return found;
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(entry.openStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                int comment = line.indexOf('#');
                String name = (comment >= 0 ? line.substring(0, comment) : line).strip();
                if (!name.isEmpty()) {
                    found.add(bundle.loadClass(name).asSubclass(type).getConstructor().newInstance());
                }
            }
        }
        return found;
    }
}
