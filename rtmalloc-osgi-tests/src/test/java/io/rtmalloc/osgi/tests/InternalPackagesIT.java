package io.rtmalloc.osgi.tests;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API bundle's internal package ({@code io.rtmalloc.spi}, with raw memory
 * access and the tiers' interfaces) carries the mandatory attribute
 * {@code rtmalloc.internal}: the tier bundles import it with it and are wired
 * to it, the examples bundle (a consumer) is wired to {@code io.rtmalloc}
 * only, and a bundle that imports the internal package as any consumer would,
 * without the attribute, does not resolve. The API bundle exports nothing else:
 * it holds no OSGi code, and no tier bundle imports a package of it for OSGi.
 */
class InternalPackagesIT {

    static final List<String> INTERNAL = List.of("io.rtmalloc.spi");
    static final List<String> TIERS = List.of("io.rtmalloc.pageheap", "io.rtmalloc.central", "io.rtmalloc.global",
            "io.rtmalloc.threadcache", "io.rtmalloc.percpu");

    Felix felix;

    @BeforeEach
    void startFelix() throws Exception {
        felix = new Felix();
    }

    @AfterEach
    void stopFelix() throws Exception {
        try {
            felix.stop();
        } finally {
            felix.close();
        }
    }

    /** The packages a bundle is wired to, with the bundle that exports each. */
    static Map<String, String> importedPackages(Bundle b) {
        Map<String, String> wired = new TreeMap<>();
        for (BundleWire w : b.adapt(BundleWiring.class).getRequiredWires("osgi.wiring.package")) {
            wired.put((String) w.getCapability().getAttributes().get("osgi.wiring.package"),
                    w.getProvider().getBundle().getSymbolicName());
        }
        return wired;
    }

    /** A bundle of nothing but a manifest, importing {@code importPackage}. */
    static byte[] manifestOnlyBundle(String symbolicName, String importPackage) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, symbolicName);
        main.putValue(Constants.BUNDLE_VERSION, "1.0.0");
        main.putValue(Constants.IMPORT_PACKAGE, importPackage);
        ByteArrayOutputStream jar = new ByteArrayOutputStream();
        new JarOutputStream(jar, manifest).close();
        return jar.toByteArray();
    }

    /** Installs a manifest-only bundle; whether the framework resolved it. */
    boolean installAndResolve(String symbolicName, String importPackage) throws Exception {
        Bundle b = felix.context.installBundle("consumer:" + symbolicName,
                new ByteArrayInputStream(manifestOnlyBundle(symbolicName, importPackage)));
        felix.bundles.put(symbolicName, b);
        return felix.framework.adapt(FrameworkWiring.class).resolveBundles(List.of(b));
    }

    @Test
    void theTierBundles_areWiredToTheInternalPackages_ofTheApiBundle() {
        for (String tier : TIERS) {
            Map<String, String> wired = importedPackages(felix.bundle(tier));
            for (String internal : INTERNAL) {
                assertEquals("io.rtmalloc.api", wired.get(internal), tier + " imports " + internal + ": " + wired);
            }
        }
    }

    @Test
    void theApiBundle_exportsThePublicAndTheInternalPackage_only() {
        Set<String> exported = new TreeSet<>();
        for (var c : felix.bundle("io.rtmalloc.api").adapt(BundleWiring.class).getCapabilities("osgi.wiring.package")) {
            exported.add((String) c.getAttributes().get("osgi.wiring.package"));
        }
        assertEquals(Set.of("io.rtmalloc", "io.rtmalloc.spi"), exported);
    }

    @Test
    void theExamplesBundle_aConsumer_isWiredToThePublicPackageOnly() {
        Map<String, String> wired = importedPackages(felix.bundle("io.rtmalloc.examples"));
        assertEquals("io.rtmalloc.api", wired.get("io.rtmalloc"), wired.toString());
        for (String internal : INTERNAL) {
            assertFalse(wired.containsKey(internal), wired.toString());
        }
    }

    @Test
    void aConsumerBundle_importingAnInternalPackageWithoutTheAttribute_doesNotResolve() throws Exception {
        for (String internal : INTERNAL) {
            String name = "consumer.of." + internal;
            assertFalse(installAndResolve(name, internal), internal + " wired without the attribute");
            Bundle b = felix.bundle(name);
            assertEquals(Bundle.INSTALLED, b.getState());
            BundleException e = assertThrows(BundleException.class, b::start);
            assertTrue(e.getMessage().contains("osgi.wiring.package=" + internal), e.getMessage());
            b.uninstall();
        }
        // The public package resolves as it always did.
        assertTrue(installAndResolve("consumer.of.api", "io.rtmalloc"));
        assertEquals(Map.of("io.rtmalloc", "io.rtmalloc.api"), importedPackages(felix.bundle("consumer.of.api")));
    }

    @Test
    void theAttributeAlone_decides_whatWiresToTheInternalPackages() throws Exception {
        // The same import, with the attribute the tier bundles give: the framework wires it. The
        // attribute keeps the internals out of consumers' class spaces; it is not a permission.
        assertTrue(installAndResolve("consumer.with.attribute", "io.rtmalloc.spi;rtmalloc.internal=true"));
        assertEquals(Map.of("io.rtmalloc.spi", "io.rtmalloc.api"),
                importedPackages(felix.bundle("consumer.with.attribute")));
    }
}
