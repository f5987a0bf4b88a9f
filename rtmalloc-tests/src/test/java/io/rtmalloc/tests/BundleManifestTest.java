package io.rtmalloc.tests;

import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.Providers;
import io.rtmalloc.toml.TomlConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tier carries the OSGi manifest bnd generated: its symbolic name is the
 * module name, it exports exactly the public packages, and it has no
 * activator: its Declarative Services components, described in
 * {@code OSGI-INF/} and named in its {@code Service-Component} header,
 * register its provider (and a front end's allocator). The API bundle holds
 * no OSGi code and exports its internal package with a mandatory attribute,
 * which the tier bundles, and they alone, import it with.
 */
class BundleManifestTest {

    /** The API bundle's packages for rtmalloc's own bundles only. */
    static final List<String> INTERNAL = List.of("io.rtmalloc.spi");
    /** Their mandatory attribute. */
    static final String INTERNAL_ATTRIBUTE = "rtmalloc.internal";

    /** The manifest of the jar or classes folder {@code type} was loaded from. */
    private static Attributes manifestOf(Class<?> type) throws IOException, URISyntaxException {
        String text = entryOf(type, "META-INF/MANIFEST.MF");
        assertNotNull(text, "no manifest beside " + type);
        return new Manifest(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).getMainAttributes();
    }

    /** The text of an entry of the jar or classes folder {@code type} was loaded from, or null. */
    private static String entryOf(Class<?> type, String name) throws IOException, URISyntaxException {
        Path where = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(where)) {
            Path file = where.resolve(name);
            return Files.exists(file) ? Files.readString(file) : null;
        }
        try (JarFile jar = new JarFile(where.toFile())) {
            JarEntry entry = jar.getJarEntry(name);
            if (entry == null) {
                return null;
            }
            try (InputStream in = jar.getInputStream(entry)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * The clauses of a manifest header ({@code Export-Package}, {@code Import-Package}) by
     * package: each clause's attributes and directives, as written ({@code "mandatory:"} for
     * {@code mandatory:=}), with their quotes removed.
     */
    static Map<String, Map<String, String>> clauses(String header) {
        Map<String, Map<String, String>> byPackage = new TreeMap<>();
        for (String clause : split(header, ',')) {
            List<String> packages = new ArrayList<>(); // a clause may name several
            Map<String, String> parameters = new TreeMap<>();
            for (String part : split(clause, ';')) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    packages.add(part.strip());
                } else {
                    parameters.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip().replace("\"", ""));
                }
            }
            for (String pkg : packages) {
                byPackage.put(pkg, parameters);
            }
        }
        return byPackage;
    }

    /** {@code text} split at {@code separator} outside double quotes. */
    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    @Test
    void api_exportsThePublicPackage_theInternalOnesWithAMandatoryAttribute_andNeedsNoTomlj() throws Exception {
        Attributes m = manifestOf(RtMalloc.class);
        assertEquals("io.rtmalloc.api", m.getValue("Bundle-SymbolicName"));
        Map<String, Map<String, String>> exports = clauses(m.getValue("Export-Package"));
        assertEquals(Set.of("io.rtmalloc", "io.rtmalloc.spi"), exports.keySet(),
                "the API and the tiers' interfaces: " + exports);
        assertFalse(exports.get("io.rtmalloc").containsKey("mandatory:"), "the public API, for every bundle");
        // bnd lists in uses:= the packages that the public package's signatures name.
        List<String> uses = List.of(exports.get("io.rtmalloc").getOrDefault("uses:", "").split(","));
        for (String internal : INTERNAL) {
            assertFalse(uses.contains(internal), "the public API names no type of " + internal + ": " + uses);
        }
        for (String internal : INTERNAL) {
            // A bundle importing the package without rtmalloc.internal=true does not wire to it.
            assertEquals("true", exports.get(internal).get(INTERNAL_ATTRIBUTE), internal + ": " + exports);
            assertEquals(INTERNAL_ATTRIBUTE, exports.get(internal).get("mandatory:"), internal + ": " + exports);
        }
        assertNull(m.getValue("Bundle-ClassPath"), "the API bundle embeds nothing");
        assertNull(m.getValue("Bundle-Activator"), "the API bundle has no OSGi code");
        assertNull(m.getValue("Service-Component"), "the API bundle has no OSGi code");
        // No Import-Package header at all when the bundle imports nothing (java.* is never imported).
        String imports = Objects.requireNonNullElse(m.getValue("Import-Package"), "");
        assertFalse(imports.contains("org.osgi"), imports);
        assertTrue(RtMalloc.class.getModule().getDescriptor().requires().stream()
                .noneMatch(r -> r.name().startsWith("org.osgi")), "the API module requires no OSGi module");
        assertFalse(imports.contains("org.tomlj"), "the API reads no TOML");
    }

    @Test
    void toml_exportsItsPackage_andEmbedsTomlj() throws Exception {
        Attributes m = manifestOf(TomlConfig.class);
        assertEquals("io.rtmalloc.toml", m.getValue("Bundle-SymbolicName"));
        assertEquals(Set.of("io.rtmalloc.toml"), clauses(m.getValue("Export-Package")).keySet());
        assertTrue(m.getValue("Bundle-ClassPath").contains("lib/tomlj.jar"), m.getValue("Bundle-ClassPath"));
        assertFalse(m.getValue("Import-Package").contains("org.tomlj"), "tomlj travels inside the bundle");
    }

    @Test
    void api_bundleAndModule_exportTheSamePublicPackages() throws Exception {
        Module api = RtMalloc.class.getModule();
        Set<String> moduleExports = new TreeSet<>();
        for (ModuleDescriptor.Exports e : api.getDescriptor().exports()) {
            if (!e.isQualified()) {
                moduleExports.add(e.source());
            }
        }
        Set<String> bundleExports = new TreeSet<>();
        clauses(manifestOf(RtMalloc.class).getValue("Export-Package")).forEach((pkg, parameters) -> {
            if (!parameters.containsKey("mandatory:")) {
                bundleExports.add(pkg);
            }
        });
        assertEquals(Set.of("io.rtmalloc"), moduleExports);
        assertEquals(moduleExports, bundleExports, "what every module and every bundle sees");
    }

    @Test
    void tiers_areBundlesNamedForTheirModule_exportingNothing_importingTheInternalsWithTheAttribute() throws Exception {
        Class<?>[] providers = {
            Providers.pageHeap().getClass(),
            Providers.centralCache().getClass(),
            Providers.frontEnd("global").getClass(),
            Providers.frontEnd("threadcache").getClass(),
            Providers.frontEnd("percpu").getClass(),
        };
        for (Class<?> p : providers) {
            Attributes m = manifestOf(p);
            assertEquals(p.getModule().getName(), m.getValue("Bundle-SymbolicName"));
            assertNull(m.getValue("Export-Package"), "implementation packages stay private: " + p);
            Map<String, Map<String, String>> imports = clauses(m.getValue("Import-Package"));
            for (String internal : INTERNAL) {
                assertTrue(imports.containsKey(internal), p + " imports " + internal + ": " + imports);
                assertEquals("true", imports.get(internal).get(INTERNAL_ATTRIBUTE), p + ": " + imports);
            }
            assertFalse(imports.get("io.rtmalloc").containsKey(INTERNAL_ATTRIBUTE), p + ": " + imports);
            assertFalse(imports.containsKey("io.rtmalloc.osgi"), p + ": " + imports);
            // The annotations are read at build time: nothing imports them.
            assertFalse(imports.containsKey("org.osgi.service.component.annotations"), p + ": " + imports);
        }
    }

    @Test
    void tiers_haveNoActivator_butDeclarativeServicesComponents_thatProvideTheirProviders() throws Exception {
        // Each provider's class, the service interface its component provides, and the front end it names (or null).
        record Tier(Class<?> provider, String service, String frontEnd) {
        }
        List<Tier> tiers = new ArrayList<>(List.of(
                new Tier(Providers.pageHeap().getClass(), "io.rtmalloc.spi.PageHeapProvider", null),
                new Tier(Providers.centralCache().getClass(), "io.rtmalloc.spi.CentralCacheProvider", null)));
        for (String frontEnd : List.of("global", "threadcache", "percpu")) {
            tiers.add(new Tier(Providers.frontEnd(frontEnd).getClass(), "io.rtmalloc.spi.FrontEndProvider", frontEnd));
        }
        for (Tier t : tiers) {
            Class<?> p = t.provider();
            Attributes m = manifestOf(p);
            assertNull(m.getValue("Bundle-Activator"), p + ": the components register the services");
            assertTrue(m.getValue("Require-Capability").contains("(osgi.extender=osgi.component)"),
                    p + " needs a Declarative Services runtime: " + m.getValue("Require-Capability"));
            String providerXml = "OSGI-INF/" + p.getName() + ".xml";
            Set<String> components = new TreeSet<>(List.of(m.getValue("Service-Component").split(",")));
            Set<String> expected = new TreeSet<>(Set.of(providerXml));
            String name = t.frontEnd();
            boolean frontEnd = name != null;
            String allocatorXml = null;
            if (frontEnd) {
                // The front end's Allocator component, named like its provider.
                allocatorXml = "OSGI-INF/" + p.getName().replace("FrontEndProvider", "AllocatorComponent") + ".xml";
                expected.add(allocatorXml);
            }
            assertEquals(expected, components, p + ": Service-Component");

            String provider = entryOf(p, providerXml);
            assertNotNull(provider, providerXml);
            assertTrue(provider.contains("<implementation class=\"" + p.getName() + "\"/>"), provider);
            assertTrue(provider.contains("<provide interface=\"" + t.service() + "\"/>"), provider);
            if (frontEnd) {
                assertTrue(provider.contains("<property name=\"rtmalloc.frontend\" type=\"String\" value=\"" + name + "\"/>"),
                        provider);
                String allocator = entryOf(p, allocatorXml);
                assertNotNull(allocator, allocatorXml);
                assertFalse(allocator.contains("<service"), "registers the allocator itself, not a component object: " + allocator);
                assertTrue(allocator.contains("interface=\"io.rtmalloc.spi.PageHeapProvider\""), allocator);
                assertTrue(allocator.contains("interface=\"io.rtmalloc.spi.CentralCacheProvider\""), allocator);
                assertTrue(allocator.contains("deactivate=\"deactivate\""), "closes the allocator: " + allocator);
                assertTrue(m.getValue("Provide-Capability").contains("objectClass:List<String>=\"io.rtmalloc.Allocator\""),
                        p + " declares the Allocator service: " + m.getValue("Provide-Capability"));
            } else {
                assertFalse(m.getValue("Import-Package").contains("org.osgi"), p + " needs no OSGi package at run time");
            }
        }
    }
}
