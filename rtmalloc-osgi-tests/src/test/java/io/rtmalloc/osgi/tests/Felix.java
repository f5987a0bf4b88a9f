package io.rtmalloc.osgi.tests;

import org.apache.felix.framework.FrameworkFactory;
import org.apache.felix.framework.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.FrameworkWiring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An embedded Apache Felix with every bundle of {@code target/bundles} (the
 * jars the reactor built) installed, resolved and started. Its storage is
 * {@code target/felix-cache}, cleaned on every start. Every error or warning
 * the framework logs or reports as a framework event is kept in
 * {@link #problems}, which {@link #stop()} requires to be empty.
 */
final class Felix implements AutoCloseable {

    static final Path BUNDLES = Path.of(System.getProperty("rtmalloc.bundles"));
    static final Path STORAGE = Path.of(System.getProperty("rtmalloc.felix.storage"));

    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    final Framework framework;
    final BundleContext context;
    /** The installed bundles by symbolic name. */
    final Map<String, Bundle> bundles = new HashMap<>();

    /** Keeps what Felix logs at level warning (2) or error (1). */
    private final class ProblemLogger extends Logger {
        @Override
        @SuppressWarnings("rawtypes") // Felix's signature
        protected void doLog(Bundle bundle, ServiceReference sr, int level, String msg, Throwable throwable) {
            if (level <= LOG_WARNING) {
                problems.add("felix log level " + level + (bundle != null ? " [" + bundle.getSymbolicName() + "]" : "")
                        + ": " + msg + (throwable != null ? ": " + throwable : ""));
            }
            super.doLog(bundle, sr, level, msg, throwable);
        }
    }

    Felix() throws BundleException, IOException {
        Map<String, Object> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, STORAGE.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.log.logger", new ProblemLogger());
        config.put("felix.log.level", "2");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, String> raw = (Map) config; // Felix takes objects (the logger) through this map
        framework = new FrameworkFactory().newFramework(raw);
        framework.init();
        context = framework.getBundleContext();
        context.addFrameworkListener(event -> {
            if (event.getType() == FrameworkEvent.ERROR || event.getType() == FrameworkEvent.WARNING) {
                problems.add("framework event " + event.getType() + " [" + event.getBundle().getSymbolicName() + "]: "
                        + event.getThrowable());
            }
        });
        framework.start();
        try (Stream<Path> jars = Files.list(BUNDLES)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                Bundle b = context.installBundle(jar.toUri().toString());
                bundles.put(b.getSymbolicName(), b);
            }
        }
        boolean resolved = framework.adapt(FrameworkWiring.class).resolveBundles(bundles.values());
        if (!resolved) {
            StringBuilder why = new StringBuilder("bundles did not resolve:");
            for (Bundle b : bundles.values()) {
                if (b.getState() == Bundle.INSTALLED) {
                    try {
                        b.start(); // throws, naming the missing requirement
                    } catch (BundleException e) {
                        why.append("\n  ").append(b.getSymbolicName()).append(": ").append(e.getMessage());
                    }
                }
            }
            fail(why.toString());
        }
        for (Bundle b : bundles.values()) {
            b.start();
        }
        for (Bundle b : bundles.values()) {
            assertEquals(Bundle.ACTIVE, b.getState(), b.getSymbolicName() + " active");
        }
    }

    Bundle bundle(String symbolicName) {
        Bundle b = bundles.get(symbolicName);
        assertNotNull(b, "bundle " + symbolicName + " installed; found " + bundles.keySet());
        return b;
    }

    /** The references registered under {@code type} matching {@code filter}, however class spaces are wired. */
    List<ServiceReference<?>> references(String type, String filter) throws InvalidSyntaxException {
        ServiceReference<?>[] refs = context.getAllServiceReferences(type, filter);
        return refs == null ? List.of() : List.of(refs);
    }

    /** The one {@code io.rtmalloc.Allocator} service of a front end, or null. */
    ServiceReference<?> allocatorReference(String frontEnd) throws InvalidSyntaxException {
        List<ServiceReference<?>> refs = references("io.rtmalloc.Allocator", "(rtmalloc.frontend=" + frontEnd + ")");
        assertTrue(refs.size() <= 1, "one allocator per front end: " + refs);
        return refs.isEmpty() ? null : refs.getFirst();
    }

    /** The allocator service of a front end, which must be registered. */
    BundleAllocator allocator(String frontEnd) throws InvalidSyntaxException {
        ServiceReference<?> ref = allocatorReference(frontEnd);
        assertNotNull(ref, "an Allocator service with rtmalloc.frontend=" + frontEnd);
        return new BundleAllocator(context.getService(ref));
    }

    /** Stops the framework and requires that nothing went wrong in it. */
    void stop() throws Exception {
        framework.stop();
        FrameworkEvent stopped = framework.waitForStop(20_000);
        assertEquals(FrameworkEvent.STOPPED, stopped.getType(), "framework stopped: " + stopped);
        assertEquals(List.of(), problems, "errors or warnings in the framework");
    }

    /** Stops the framework if a failed test left it running. */
    @Override
    public void close() throws BundleException {
        if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
            framework.stop();
            try {
                framework.waitForStop(20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
