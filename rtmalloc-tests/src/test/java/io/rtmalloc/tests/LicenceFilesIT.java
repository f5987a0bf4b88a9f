package io.rtmalloc.tests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every jar a published module ships (classes, sources, javadoc) carries the
 * licence files under {@code META-INF}, as they are at the repository's root:
 * checked after packaging, on the jars of the modules this suite runs on.
 */
class LicenceFilesIT {

    /** The licence files: the choice, and the two licences. */
    static final List<String> FILES = List.of("LICENSE", "LICENSE-MIT", "LICENSE-APACHE");
    /** The published modules this suite requires. */
    static final List<String> MODULES = List.of("io.rtmalloc.api", "io.rtmalloc.toml", "io.rtmalloc.management",
            "io.rtmalloc.pageheap", "io.rtmalloc.central", "io.rtmalloc.global", "io.rtmalloc.threadcache",
            "io.rtmalloc.percpu");
    /** The jars of each: of classes, of sources, of javadoc. */
    static final List<String> CLASSIFIERS = List.of("", "-sources", "-javadoc");

    @Test
    void everyJarOfEveryModule_carriesTheLicenceFiles() throws IOException {
        Path root = Path.of(System.getProperty("rtmalloc.root"));
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String module : MODULES) {
            ResolvedModule resolved = ModuleLayer.boot().configuration().findModule(module).orElseThrow();
            Path jar = Path.of(resolved.reference().location().orElseThrow());
            String name = jar.getFileName().toString();
            assertTrue(name.endsWith(".jar"), module + " is not run from its jar: " + jar);
            String base = name.substring(0, name.length() - ".jar".length());
            for (String classifier : CLASSIFIERS) {
                Path path = jar.resolveSibling(base + classifier + ".jar");
                if (!Files.exists(path)) {
                    missing.add(path.getFileName() + " (no such jar)");
                    continue;
                }
                try (JarFile file = new JarFile(path.toFile())) {
                    for (String licence : FILES) {
                        JarEntry entry = file.getJarEntry("META-INF/" + licence);
                        if (entry == null) {
                            missing.add(path.getFileName() + " lacks META-INF/" + licence);
                            continue;
                        }
                        try (InputStream in = file.getInputStream(entry)) {
                            if (!Arrays.equals(Files.readAllBytes(root.resolve(licence)), in.readAllBytes())) {
                                missing.add(path.getFileName() + ": META-INF/" + licence + " differs from the root's");
                            }
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(List.of(), missing);
        assertEquals(MODULES.size() * CLASSIFIERS.size() * FILES.size(), checked);
    }
}
