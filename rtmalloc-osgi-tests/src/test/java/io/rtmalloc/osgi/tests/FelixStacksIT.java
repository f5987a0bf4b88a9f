package io.rtmalloc.osgi.tests;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every stack assembled through the OSGi service registry of an embedded
 * Apache Felix, from the real bundle jars: each tier bundle's Declarative
 * Services components (run by Apache Felix SCR) register its provider, each
 * front-end bundle publishes an {@code io.rtmalloc.Allocator} service with
 * {@code rtmalloc.frontend} naming it, and stopping a bundle withdraws what it
 * published, and every allocator built on it, and gives their memory back to
 * the OS.
 */
class FelixStacksIT {

    /** The front ends: every bundle in target/bundles that lists a FrontEndProvider, by its name. */
    static final TreeSet<String> FRONT_ENDS = frontEndBundles();

    Felix felix;

    static TreeSet<String> frontEndBundles() {
        TreeSet<String> names = new TreeSet<>();
        try (var jars = Files.list(Felix.BUNDLES)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile j = new JarFile(jar.toFile())) {
                    if (j.getEntry("META-INF/services/io.rtmalloc.spi.FrontEndProvider") != null) {
                        String bsn = j.getManifest().getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
                        names.add(bsn.substring("io.rtmalloc.".length()));
                    }
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return names;
    }

    /**
     * The resident bytes ({@code Rss} in {@code /proc/self/smaps}) of the mapping
     * that holds {@code address}, 0 when none does. A closed allocator keeps its
     * range mapped as fresh zero pages (a call racing the close must not fault),
     * so its memory has gone back when this is 0.
     */
    static long residentBytes(long address) throws IOException {
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, space).matches("[0-9a-f]+-[0-9a-f]+")) {
                long start = Long.parseUnsignedLong(line, 0, dash, 16);
                long end = Long.parseUnsignedLong(line, dash + 1, space, 16);
                in = Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
            } else if (in && line.startsWith("Rss:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
            }
        }
        return 0;
    }

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

    @Test
    void theReactorBuiltEveryFrontEnd() {
        assertEquals(List.of("global", "percpu", "threadcache"), List.copyOf(FRONT_ENDS));
    }

    @Test
    void everyTierRegistersItsProvider_andEveryFrontEndAnAllocator_thatAllocatesWritesReadsAndFrees() throws Throwable {
        var pageHeaps = felix.references("io.rtmalloc.spi.PageHeapProvider", null);
        var centralCaches = felix.references("io.rtmalloc.spi.CentralCacheProvider", null);
        assertEquals(1, pageHeaps.size());
        assertEquals("io.rtmalloc.pageheap", pageHeaps.getFirst().getBundle().getSymbolicName());
        assertEquals(1, centralCaches.size());
        assertEquals("io.rtmalloc.central", centralCaches.getFirst().getBundle().getSymbolicName());

        TreeSet<String> published = new TreeSet<>();
        for (ServiceReference<?> ref : felix.references("io.rtmalloc.Allocator", null)) {
            published.add((String) ref.getProperty("rtmalloc.frontend"));
        }
        assertEquals(FRONT_ENDS, published, "an Allocator service for each front-end bundle");

        for (String name : FRONT_ENDS) {
            ServiceReference<?> ref = felix.allocatorReference(name);
            assertEquals("io.rtmalloc." + name, ref.getBundle().getSymbolicName(), "published by its own bundle");
            assertEquals(1, felix.references("io.rtmalloc.spi.FrontEndProvider", "(rtmalloc.frontend=" + name + ")").size());
            BundleAllocator a = felix.allocator(name);
            assertEquals(name, a.frontEnd());
            // The bundles are unnamed modules: --enable-native-access=ALL-UNNAMED covers them.
            assertTrue(a.service.getClass().getModule().isNativeAccessEnabled(), "native access for " + name);
            assertFalse(a.service.getClass().getModule().isNamed());

            List<long[]> blocks = new ArrayList<>();
            for (long size : new long[] {8, 64, 1000, 100_000, 3 << 20}) {
                long p = a.malloc(size);
                BundleAllocator.stamp(p, size, size);
                blocks.add(new long[] {p, size});
            }
            for (long[] b : blocks) {
                assertTrue(BundleAllocator.intact(b[0], b[1], b[1]), name + ": block of " + b[1]);
                a.free(b[0]);
            }
            MemorySegment s = a.segments().allocate(ValueLayout.JAVA_LONG, 16);
            for (int i = 0; i < 16; i++) {
                s.setAtIndex(ValueLayout.JAVA_LONG, i, i * 7L);
            }
            for (int i = 0; i < 16; i++) {
                assertEquals(i * 7L, s.getAtIndex(ValueLayout.JAVA_LONG, i));
            }
            a.api.getMethod("free", MemorySegment.class).invoke(a.service, s);
            assertEquals(0, a.bytesInUse(), name + ": everything freed");
            felix.context.ungetService(ref);
        }
    }

    @Test
    void theReadmesOsgiExample_runsInsideTheFramework() throws Exception {
        Bundle examples = felix.bundle("io.rtmalloc.examples");
        Method roundTrip = examples.loadClass("io.rtmalloc.examples.OsgiExample")
                .getMethod("roundTrip", org.osgi.framework.BundleContext.class, String.class, long.class);
        for (String name : FRONT_ENDS) {
            assertEquals(4242L + name.length(), roundTrip.invoke(null, examples.getBundleContext(), name, 4242L + name.length()));
        }
    }

    @Test
    void stoppingAFrontEndBundle_unregistersItsAllocator_andUnmapsItsMemory_leavingTheOthersIntact() throws Throwable {
        for (String stopped : FRONT_ENDS) {
            Map<String, BundleAllocator> allocators = new TreeMap<>();
            Map<String, List<long[]>> blocks = new TreeMap<>();
            for (String name : FRONT_ENDS) {
                BundleAllocator a = felix.allocator(name);
                allocators.put(name, a);
                List<long[]> mine = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    long size = 16 + 40L * i;
                    long p = a.malloc(size);
                    BundleAllocator.stamp(p, size, i);
                    mine.add(new long[] {p, size, i});
                }
                blocks.put(name, mine);
            }
            List<Integer> events = new ArrayList<>();
            ServiceListener listener = e -> events.add(e.getType());
            felix.context.addServiceListener(listener, "(&(objectClass=io.rtmalloc.Allocator)(rtmalloc.frontend=" + stopped + "))");

            felix.bundle("io.rtmalloc." + stopped).stop();

            felix.context.removeServiceListener(listener);
            assertEquals(List.of(ServiceEvent.UNREGISTERING), events, stopped + ": its service went, once");
            assertNull(felix.allocatorReference(stopped));
            assertEquals(0, felix.references("io.rtmalloc.spi.FrontEndProvider", "(rtmalloc.frontend=" + stopped + ")").size());
            for (long[] b : blocks.get(stopped)) {
                assertEquals(0, residentBytes(b[0]), stopped + ": memory returned to the OS");
            }
            BundleAllocator gone = allocators.get(stopped);
            try {
                gone.malloc(16);
                fail("a closed allocator allocated");
            } catch (IllegalStateException expected) {
                // closed: every call throws, none touches unmapped memory
            }
            for (String other : FRONT_ENDS) {
                if (!other.equals(stopped)) {
                    BundleAllocator a = allocators.get(other);
                    for (long[] b : blocks.get(other)) {
                        assertTrue(BundleAllocator.intact(b[0], b[1], b[2]), other + " kept its blocks");
                        a.free(b[0]);
                    }
                    assertEquals(0, a.bytesInUse());
                }
            }

            felix.bundle("io.rtmalloc." + stopped).start();

            BundleAllocator back = felix.allocator(stopped);
            long p = back.malloc(100);
            BundleAllocator.stamp(p, 100, 9);
            assertTrue(BundleAllocator.intact(p, 100, 9));
            back.free(p);
        }
    }

    @Test
    void aConsumerSwitchesFromPercpuToThreadcache_andLosesNothingOfTheSurvivingStack() throws Throwable {
        assertTrue(FRONT_ENDS.containsAll(List.of("percpu", "threadcache", "global")), FRONT_ENDS.toString());
        Bundle threadcache = felix.bundle("io.rtmalloc.threadcache");
        Bundle percpu = felix.bundle("io.rtmalloc.percpu");
        threadcache.stop();
        assertNull(felix.allocatorReference("threadcache"));

        // The consumer follows whichever caching front end is there; it keeps long-lived data in global.
        var tracker = new ServiceTracker<Object, Object>(felix.context, felix.context.createFilter(
                "(&(objectClass=io.rtmalloc.Allocator)(|(rtmalloc.frontend=percpu)(rtmalloc.frontend=threadcache)))"), null);
        tracker.open(true);
        try {
            BundleAllocator durable = felix.allocator("global");
            List<long[]> kept = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                long size = 8 + 24L * i;
                long p = durable.malloc(size);
                BundleAllocator.stamp(p, size, i);
                kept.add(new long[] {p, size, i});
            }
            BundleAllocator scratch = new BundleAllocator(tracker.getService());
            assertEquals("percpu", scratch.frontEnd());
            long q = scratch.malloc(256);
            BundleAllocator.stamp(q, 256, 1);
            assertTrue(BundleAllocator.intact(q, 256, 1));
            scratch.free(q);

            percpu.stop();
            assertNull(tracker.getService(), "the tracker saw percpu go");
            threadcache.start();

            Object service = tracker.getService();
            assertNotNull(service, "the tracker found threadcache");
            BundleAllocator next = new BundleAllocator(service);
            assertEquals("threadcache", next.frontEnd());
            assertSame(service, felix.context.getService(felix.allocatorReference("threadcache")));
            for (int i = 0; i < 100; i++) {
                long p = next.malloc(64);
                BundleAllocator.stamp(p, 64, i);
                assertTrue(BundleAllocator.intact(p, 64, i));
                next.free(p);
            }
            for (long[] b : kept) {
                assertTrue(BundleAllocator.intact(b[0], b[1], b[2]), "the surviving stack's block of " + b[1]);
                durable.free(b[0]);
            }
            assertEquals(0, durable.bytesInUse());
            percpu.start();
            assertEquals(2, tracker.size());
        } finally {
            tracker.close();
        }
    }

    @Test
    void stoppingThePageHeapOrCentralBundle_withdrawsEveryAllocator_andStartingItRestoresThem() throws Throwable {
        for (String tier : List.of("pageheap", "central")) {
            Bundle bundle = felix.bundle("io.rtmalloc." + tier);
            String provider = tier.equals("pageheap")
                    ? "io.rtmalloc.spi.PageHeapProvider" : "io.rtmalloc.spi.CentralCacheProvider";
            List<Long> blocks = new ArrayList<>();
            for (String name : FRONT_ENDS) {
                long p = felix.allocator(name).malloc(5000);
                BundleAllocator.stamp(p, 5000, 1); // resident until the allocator gives it back
                blocks.add(p);
            }

            bundle.stop();

            assertEquals(List.of(), felix.references("io.rtmalloc.Allocator", null), tier + " stopped");
            assertEquals(List.of(), felix.references(provider, null));
            for (long p : blocks) {
                assertEquals(0, residentBytes(p), tier + " stopped: every stack's memory went back to the OS");
            }
            for (String name : FRONT_ENDS) {
                assertEquals(1, felix.references("io.rtmalloc.spi.FrontEndProvider", "(rtmalloc.frontend=" + name + ")").size(),
                        name + ": the front end's provider needs no other tier");
            }

            bundle.start();

            for (String name : FRONT_ENDS) {
                BundleAllocator a = felix.allocator(name);
                long p = a.malloc(5000);
                BundleAllocator.stamp(p, 5000, 3);
                assertTrue(BundleAllocator.intact(p, 5000, 3));
                a.free(p);
                assertEquals(0, a.bytesInUse(), tier + " started again: " + name);
            }
        }
    }

    @Test
    void declarativeServicesPublishesEverything_noActivator_andStoppingItsRuntimeWithdrawsIt() throws Throwable {
        for (String tier : InternalPackagesIT.TIERS) {
            var headers = felix.bundle(tier).getHeaders();
            assertNull(headers.get(Constants.BUNDLE_ACTIVATOR), tier + " has no activator");
            assertNotNull(headers.get("Service-Component"), tier + " declares its components");
        }
        assertNull(felix.bundle("io.rtmalloc.api").getHeaders().get("Service-Component"), "the API bundle has no component");
        Bundle scr = felix.bundle("org.apache.felix.scr");
        BundleAllocator percpu = felix.allocator("percpu");
        long p = percpu.malloc(5000);
        BundleAllocator.stamp(p, 5000, 1); // resident until the allocator gives it back

        scr.stop();

        for (String tier : InternalPackagesIT.TIERS) {
            assertEquals(Bundle.ACTIVE, felix.bundle(tier).getState(), tier + " still active");
        }
        assertEquals(List.of(), felix.references("io.rtmalloc.Allocator", null));
        for (String type : List.of("PageHeapProvider", "CentralCacheProvider", "FrontEndProvider")) {
            assertEquals(List.of(), felix.references("io.rtmalloc.spi." + type, null), type + " went with the runtime");
        }
        assertEquals(0, residentBytes(p), "the allocator was closed");

        scr.start();

        TreeSet<String> published = new TreeSet<>();
        for (ServiceReference<?> ref : felix.references("io.rtmalloc.Allocator", null)) {
            published.add((String) ref.getProperty("rtmalloc.frontend"));
        }
        assertEquals(FRONT_ENDS, published, "every allocator is back");
        BundleAllocator back = felix.allocator("percpu");
        long q = back.malloc(5000);
        BundleAllocator.stamp(q, 5000, 5);
        assertTrue(BundleAllocator.intact(q, 5000, 5));
        back.free(q);
    }
}
