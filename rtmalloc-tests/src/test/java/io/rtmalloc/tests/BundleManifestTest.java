package io.rtmalloc.tests;

import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.Providers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tier carries the OSGi manifest bnd generated: its symbolic name is the
 * module name, it exports exactly the public packages, and its activator is
 * the API bundle's {@code io.rtmalloc.osgi.TierActivator}.
 */
class BundleManifestTest {

    /** The manifest of the jar or classes folder {@code type} was loaded from. */
    private static Attributes manifestOf(Class<?> type) throws IOException, URISyntaxException {
        Path where = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        Manifest manifest;
        if (Files.isDirectory(where)) {
            try (InputStream in = Files.newInputStream(where.resolve("META-INF/MANIFEST.MF"))) {
                manifest = new Manifest(in);
            }
        } else {
            try (JarFile jar = new JarFile(where.toFile())) {
                manifest = jar.getManifest();
            }
        }
        assertNotNull(manifest, "no manifest in " + where);
        return manifest.getMainAttributes();
    }

    @Test
    void api_exportsThePublicPackages_andEmbedsTomlj() throws Exception {
        Attributes m = manifestOf(RtMalloc.class);
        assertEquals("io.rtmalloc.api", m.getValue("Bundle-SymbolicName"));
        String exports = m.getValue("Export-Package");
        assertTrue(exports.contains("io.rtmalloc;") && exports.contains("io.rtmalloc.spi;"), exports);
        assertTrue(exports.contains("io.rtmalloc.osgi;"), "the tiers' activator: " + exports);
        assertTrue(m.getValue("Bundle-ClassPath").contains("lib/tomlj.jar"), m.getValue("Bundle-ClassPath"));
        assertTrue(!m.getValue("Import-Package").contains("org.tomlj"), "tomlj travels inside the bundle");
    }

    @Test
    void tiers_areBundlesNamedForTheirModule_exportingNothing() throws Exception {
        Class<?>[] providers = {
            Providers.pageHeap().getClass(),
            Providers.centralCache().getClass(),
            Providers.frontEnd("global").getClass(),
            Providers.frontEnd("threadcache").getClass(),
        };
        for (Class<?> p : providers) {
            Attributes m = manifestOf(p);
            assertEquals(p.getModule().getName(), m.getValue("Bundle-SymbolicName"));
            assertNull(m.getValue("Export-Package"), "implementation packages stay private: " + p);
            assertTrue(m.getValue("Import-Package").contains("io.rtmalloc.spi"), m.getValue("Import-Package"));
            assertEquals("io.rtmalloc.osgi.TierActivator", m.getValue("Bundle-Activator"), "registers " + p);
            assertTrue(m.getValue("Import-Package").contains("io.rtmalloc.osgi"), m.getValue("Import-Package"));
        }
    }
}
