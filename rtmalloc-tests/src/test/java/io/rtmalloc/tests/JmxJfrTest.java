package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MXBean of a named allocator, and the JFR events of large blocks and released memory. */
class JmxJfrTest {

    @Test
    void namedAllocator_isAnMXBean_untilItCloses() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName on = new ObjectName("io.rtmalloc:type=Allocator,name=\"jmx-test\"");
        Allocator a = RtMalloc.builder().frontEnd("global").name("jmx-test").build();
        try {
            assertTrue(server.isRegistered(on));
            long p = a.malloc(100);
            assertEquals(112L, server.getAttribute(on, "BytesInUse"));
            assertEquals("global", server.getAttribute(on, "FrontEnd"));
            assertEquals(a.stats().mappedBytes(), server.getAttribute(on, "MappedBytes"));
            assertTrue(((String) server.getAttribute(on, "Report")).contains("Bytes in use by application"));
            a.free(p);
            long big = a.malloc(4 << 20);
            a.free(big);
            long released = (Long) server.invoke(on, "releaseFreeMemory", null, null);
            assertTrue(released >= 4 << 20, "released " + released);
            assertEquals(released, server.getAttribute(on, "BytesReleasedTotal"));
            assertEquals(a.stats().releasedBytes(), server.getAttribute(on, "ReleasedBytes"));
            assertEquals(0L, server.getAttribute(on, "MemoryLimit"));
            server.setAttribute(on, new javax.management.Attribute("HardMemoryLimit", 1L << 30));
            server.setAttribute(on, new javax.management.Attribute("MemoryLimit", 1L << 29));
            assertEquals(1L << 29, a.stats().release().softLimit());
            assertEquals(1L << 30, a.stats().release().hardLimit());
            assertEquals(1L << 30, server.getAttribute(on, "HardMemoryLimit"));
            IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                    () -> RtMalloc.builder().frontEnd("global").name("jmx-test").build());
            assertTrue(taken.getMessage().contains("jmx-test"), taken.getMessage());
        } finally {
            a.close();
        }
        assertFalse(server.isRegistered(on), "closing unregisters the MXBean");
        RtMalloc.builder().frontEnd("global").name("jmx-test").build().close(); // the name is free again
    }

    @Test
    void largeAllocations_andReleases_areJfrEvents(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rtmalloc.jfr");
        Allocator a = RtMalloc.builder().frontEnd("threadcache").build();
        try (Recording r = new Recording()) {
            r.enable("io.rtmalloc.LargeAllocation");
            r.enable("io.rtmalloc.MemoryRelease");
            r.start();
            long small = a.malloc(1000); // no event
            long large = a.malloc(1_000_000);
            a.free(large);
            a.free(small);
            long released = a.releaseFreeMemory();
            r.stop();
            r.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            List<RecordedEvent> larges = events.stream()
                    .filter(e -> e.getEventType().getName().equals("io.rtmalloc.LargeAllocation")).toList();
            assertEquals(1, larges.size(), events.toString());
            RecordedEvent e = larges.getFirst();
            assertEquals(1_000_000, e.getLong("requested"));
            assertEquals(1_007_616, e.getLong("size"), "123 pages of 8 KiB");
            assertEquals(large, e.getLong("address"));
            assertEquals("threadcache", e.getString("frontEnd"));
            assertTrue(e.getStackTrace() != null, "with the caller's stack");
            List<RecordedEvent> releases = events.stream()
                    .filter(x -> x.getEventType().getName().equals("io.rtmalloc.MemoryRelease")).toList();
            assertFalse(releases.isEmpty());
            assertEquals(released, releases.stream().mapToLong(x -> x.getLong("bytes")).sum(),
                    "one event per release, each with its bytes");
            releases.forEach(x -> assertEquals("request", x.getString("cause")));
            releases.forEach(x -> assertEquals("threadcache", x.getString("frontEnd")));
            assertTrue(released > 0);
        } finally {
            a.close();
        }
    }
}
