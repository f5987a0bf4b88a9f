package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.Config;
import io.rtmalloc.ConfigException;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.spi.FrontEndProvider;
import io.rtmalloc.spi.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assembly of stacks through ServiceLoader on the module path, and configuration through the builder. */
class RtMallocTest {

    @Test
    void frontEnds_includesGlobal() {
        assertTrue(RtMalloc.frontEnds().contains("global"), RtMalloc.frontEnds().toString());
    }

    @Test
    void providers_comeFromNamedModules_throughProvides() {
        // The tiers are named modules here: ServiceLoader found them through module-info's provides.
        assertEquals("io.rtmalloc.pageheap", Providers.pageHeap().getClass().getModule().getName());
        assertEquals("io.rtmalloc.central", Providers.centralCache().getClass().getModule().getName());
        FrontEndProvider global = Providers.frontEnd("global");
        assertEquals("io.rtmalloc.global", global.getClass().getModule().getName());
    }

    @Test
    void builder_unknownFrontEnd_namesTheOnesFound() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RtMalloc.builder().frontEnd("nonesuch").build());
        assertTrue(e.getMessage().contains("nonesuch") && e.getMessage().contains("global"), e.getMessage());
    }

    @Test
    void builder_buildsIndependentAllocators() {
        Allocator a = RtMalloc.builder().frontEnd("global").build();
        Allocator b = RtMalloc.builder().frontEnd("global").build();
        assertNotSame(a, b);
        long p = a.malloc(64);
        assertThrows(IllegalArgumentException.class, () -> b.free(p), "each has its own page heap");
        a.free(p);
        assertEquals("global", a.frontEnd());
    }

    @Test
    void global_isOneInstance_thatWorks() {
        Allocator g = RtMalloc.global();
        assertSame(g, RtMalloc.global());
        assertTrue(RtMalloc.frontEnds().contains(g.frontEnd()));
        long p = g.malloc(100);
        assertEquals(112, g.usableSize(p));
        g.free(p);
    }

    @Test
    void builder_configFromString_usesItsClasses() {
        Allocator a = RtMalloc.builder().frontEnd("global")
                .config("classes = [16, 48, 1000, 4000]\n")
                .build();
        assertEquals(4, a.config().sizeClasses().count());
        long p = a.malloc(17);
        assertEquals(48, a.usableSize(p));
        long q = a.malloc(999);
        assertEquals(1000, a.usableSize(q));
        long large = a.malloc(4001);
        assertEquals(8192, a.usableSize(large), "above the largest class: whole pages");
        a.free(p);
        a.free(q);
        a.free(large);
        assertEquals(0, a.stats().bytesInUse());
    }

    @Test
    void builder_configFromPath_andFromValue(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("small.toml");
        Files.writeString(file, """
                [config]
                page_size = 16384
                max_transfer_slots = 4

                [[class]]
                size = 64
                [[class]]
                size = 640
                pages = 2
                batch_size = 7
                """);
        Allocator a = RtMalloc.builder().frontEnd("global").config(file).build();
        assertEquals(16384, a.config().pageSize());
        long p = a.malloc(600);
        assertEquals(640, a.usableSize(p));
        assertEquals(0, p % 8);
        a.free(p);
        Config c = Config.load(file);
        Allocator b = RtMalloc.builder().frontEnd("global").config(c).build();
        assertEquals(c, b.config());
        long q = b.malloc(20_000);
        assertEquals(0, q % 16384);
        b.free(q);
    }

    @Test
    void builder_badConfig_isConfigException_andBuildsNothing() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RtMalloc.builder().frontEnd("global").config("classes = [16, 8]\n").build());
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
    }

    @Test
    void stats_reportExplainsEveryLine_andAddsUp() {
        Allocator a = RtMalloc.builder().frontEnd("global").build();
        long p = a.malloc(1000);
        long q = a.malloc(500_000);
        AllocatorStats st = a.stats();
        assertEquals(1024 + 507_904, st.bytesInUse(), st.toString());
        assertEquals(507_904, st.largeBytesInUse());
        FrontEndSuite.assertAddsUp(st);
        String report = st.toString();
        assertTrue(report.contains("Bytes in use by application"), report);
        assertTrue(report.contains("Bytes mapped"), report);
        assertTrue(report.contains("1024"), report);
        a.free(p);
        a.free(q);
        FrontEndSuite.assertBalanced(a);
    }
}
