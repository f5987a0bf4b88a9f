package io.rtmalloc;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages of the API module depend one way: the public API
 * ({@code io.rtmalloc}) names no type of the tiers' interfaces
 * ({@code io.rtmalloc.spi}), which may use the public types; the
 * implementation ({@code io.rtmalloc.internal}) uses both, and only the entry
 * point {@link RtMalloc} reaches into it.
 *
 * <p>Read from the compiled classes of the module: a class file's constant pool
 * names, in its UTF-8 entries, every type the class refers to (in class
 * references, field and method descriptors, generic signatures, annotations,
 * nest and inner-class attributes), whether or not the source imports it.
 */
class PackageDependenciesTest {

    static final String API = "io/rtmalloc/";
    static final String SPI = "io/rtmalloc/spi/";
    static final String IMPL = "io/rtmalloc/internal/";

    /** Each main class of the module (internal name) and the internal names its constant pool mentions. */
    static Map<String, Set<String>> references;

    @BeforeAll
    static void readClasses() throws IOException, URISyntaxException {
        Path location = Path.of(RtMalloc.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        references = new TreeMap<>();
        if (Files.isDirectory(location)) {
            read(location);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                read(jar.getPath("/"));
            }
        }
    }

    private static void read(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                Set<String> names = new TreeSet<>();
                for (PoolEntry entry : model.constantPool()) {
                    if (entry instanceof Utf8Entry utf8) {
                        names.add(utf8.stringValue());
                    }
                }
                references.put(model.thisClass().asInternalName(), names);
            }
        }
    }

    /** The classes of exactly this package (not its subpackages), each with the entries that mention {@code prefix}. */
    static Map<String, Set<String>> mentions(String pkg, String prefix) {
        Map<String, Set<String>> found = new TreeMap<>();
        references.forEach((cls, names) -> {
            if (cls.startsWith(pkg) && cls.indexOf('/', pkg.length()) < 0) {
                Set<String> hits = new TreeSet<>();
                for (String n : names) {
                    if (n.contains(prefix)) {
                        hits.add(n);
                    }
                }
                if (!hits.isEmpty()) {
                    found.put(cls, hits);
                }
            }
        });
        return found;
    }

    @Test
    void publicPackage_namesNoTypeOfTheSpi() {
        assertEquals(Map.of(), mentions(API, SPI));
    }

    @Test
    void publicPackage_reachesTheImplementationOnlyThroughRtMalloc() {
        Map<String, Set<String>> found = mentions(API, IMPL);
        assertEquals(Set.of("io/rtmalloc/RtMalloc", "io/rtmalloc/RtMalloc$Builder"), found.keySet(), found::toString);
    }

    @Test
    void spi_namesNoTypeOfTheImplementation() {
        assertEquals(Map.of(), mentions(SPI, IMPL));
    }

    /** The reading sees references where they are: a check of the checks above, which pass on nothing. */
    @Test
    void reading_findsTheReferencesThatExist() {
        assertTrue(references.keySet().containsAll(Set.of("io/rtmalloc/Allocator", "io/rtmalloc/spi/Stacks",
                "io/rtmalloc/internal/RtAllocator")), references.keySet()::toString);
        // Stacks builds RtMalloc's builder; the allocator calls the front end.
        assertTrue(mentions(SPI, API + "RtMalloc$Builder").containsKey("io/rtmalloc/spi/Stacks"));
        assertTrue(mentions(IMPL, SPI + "FrontEnd").containsKey("io/rtmalloc/internal/RtAllocator"));
        // A type named only in a method descriptor: Allocator.stats() returns AllocatorStats.
        assertTrue(mentions(API, "()Lio/rtmalloc/AllocatorStats;").containsKey("io/rtmalloc/Allocator"));
    }
}
