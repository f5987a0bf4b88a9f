package io.rtmalloc.netty;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module is an OSGi bundle too: named for the module, exporting its package, importing Netty's. */
class BundleManifestTest {

    @Test
    void manifest_namesTheBundle_exportsItsPackage_andImportsNetty() throws IOException {
        Attributes m;
        try (InputStream in = RtMallocByteBufAllocator.class.getModule()
                .getResourceAsStream("META-INF/MANIFEST.MF")) {
            assertNotNull(in, "bnd's manifest");
            m = new Manifest(in).getMainAttributes();
        }
        assertEquals("io.rtmalloc.netty", m.getValue("Bundle-SymbolicName"));
        assertTrue(m.getValue("Export-Package").startsWith("io.rtmalloc.netty;"), m.getValue("Export-Package"));
        String imports = m.getValue("Import-Package");
        assertTrue(imports.contains("io.netty.buffer;version=\"[4.2,5)\"") && imports.contains("io.rtmalloc;"), imports);
    }
}
