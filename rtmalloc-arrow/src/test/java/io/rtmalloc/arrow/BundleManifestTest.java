package io.rtmalloc.arrow;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module is an OSGi bundle too: named for the module, exporting its package, importing Arrow's. */
class BundleManifestTest {

    @Test
    void manifest_namesTheBundle_exportsItsPackage_andImportsArrow() throws IOException {
        Attributes m;
        try (InputStream in = RtMallocAllocationManager.class.getModule()
                .getResourceAsStream("META-INF/MANIFEST.MF")) {
            assertNotNull(in, "bnd's manifest");
            m = new Manifest(in).getMainAttributes();
        }
        assertEquals("io.rtmalloc.arrow", m.getValue("Bundle-SymbolicName"));
        assertTrue(m.getValue("Export-Package").startsWith("io.rtmalloc.arrow;"), m.getValue("Export-Package"));
        String imports = m.getValue("Import-Package");
        assertTrue(imports.contains("org.apache.arrow.memory") && imports.contains("io.rtmalloc;"), imports);
    }
}
