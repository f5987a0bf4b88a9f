package io.rtmalloc.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocator registry against the workloads' {@code @Param} lists, and the profiles' options. */
class AllocatorsTest {

    @Test
    void everyAllocatorParameter_isInTheRegistry_andEveryEntryIsUsed() {
        Set<String> used = new HashSet<>();
        for (Main.Workload w : Main.WORKLOADS) {
            for (String a : w.declared("allocator")) {
                Allocators.of(a); // throws for a name the registry lacks
                used.add(a);
            }
        }
        for (Allocators a : Allocators.values()) {
            assertTrue(used.contains(a.id), a.id + " is in the registry but no workload declares it");
        }
    }

    @Test
    void everyBenchmarkOfTheJar_belongsToAWorkload() {
        List<BenchmarkListEntry> all = List.copyOf(BenchmarkList.defaultList().getAll(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of()));
        assertTrue(all.size() > 20, "the generated benchmark list: " + all.size());
        for (BenchmarkListEntry e : all) {
            assertTrue(Main.WORKLOADS.stream().anyMatch(w -> Pattern.compile(w.regex())
                            .matcher(e.getUsername()).find()), e.getUsername() + " is in no workload");
        }
    }

    @Test
    void unknownName_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> Allocators.of("no_such_allocator"));
        assertThrows(IllegalArgumentException.class, () -> Heap.create("rtmalloc_arrow"));
    }

    @Test
    void libcHeaps_allocateAndFree() {
        for (String name : List.of("libc_ffm", "libc_ffm_critical", "rtmalloc_threadcache")) {
            Heap heap = Heap.create(name);
            Blocks blocks = heap.blocks(2);
            assertNotEquals(0, blocks.alloc(0, 64));
            blocks.realloc(0, 64, 4096);
            assertTrue(blocks.holds(0));
            blocks.freeAll();
            assertTrue(!blocks.holds(0) && !blocks.holds(1));
            heap.close();
        }
    }

    private static Main.Workload workload(String name) {
        return Main.WORKLOADS.stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void quickProfile_runsItsSizeAndTheQuickAllocators_lessTheAbsentOnes() {
        Options o = Main.options(workload("churn"), Main.Profile.QUICK, List.of(), false,
                List.of("tcmalloc_ffm"), List.of("-Xmx1g")).build();
        assertEquals(List.of("256"), List.copyOf(o.getParameter("size").get()));
        List<String> allocators = List.copyOf(o.getParameter("allocator").get());
        assertTrue(allocators.contains("libc_ffm") && allocators.contains("rtmalloc_percpu"), allocators.toString());
        assertTrue(allocators.stream().allMatch(a -> Allocators.of(a).quick), allocators.toString());
        assertTrue(!allocators.contains("tcmalloc_ffm"), allocators.toString());
        assertEquals(1, o.getForkCount().get());
        assertEquals(List.of("^\\Qio.rtmalloc.bench.Churn.churn\\E$"), o.getIncludes());
        assertTrue(o.getProfilers().stream().anyMatch(p -> p.getKlass().equals(FootprintProfiler.class.getName())));
    }

    @Test
    void commandLine_winsOverTheProfile() {
        Options o = Main.options(workload("churn"), Main.Profile.QUICK,
                List.of("-f", "2", "-p", "size=32", "-p", "allocator=libc_ffm,mimalloc_ffm,arena_shared"), true,
                List.of(), List.of("-Xmx1g")).build();
        assertEquals(2, o.getForkCount().get());
        assertEquals(List.of("32"), List.copyOf(o.getParameter("size").get()));
        // arena_shared is not one of churn's allocators; mimalloc_ffm is, though not in quick.
        assertEquals(List.of("libc_ffm", "mimalloc_ffm"), List.copyOf(o.getParameter("allocator").get()));
        assertEquals(3, o.getMeasurementIterations().get());
    }

    @Test
    void smokeProfile_runsTheFirstValueOfEachParameter_andASingleShotOnce() {
        Options o = Main.options(workload("idle_return"), Main.Profile.SMOKE, List.of(), false, List.of(),
                List.of()).build();
        assertEquals(List.of("16"), List.copyOf(o.getParameter("peakMiB").get()));
        assertEquals(0, o.getForkCount().get());
        assertEquals(0, o.getWarmupIterations().get());
        Options all = Main.options(workload("sized_free"), Main.Profile.SMOKE, List.of(), false, List.of(),
                List.of()).build();
        assertEquals(List.of("64"), List.copyOf(all.getParameter("size").get()));
        assertEquals(7, all.getParameter("allocator").get().size());
        assertNull(Main.options(workload("sized_free"), Main.Profile.SMOKE, List.of(), false,
                List.of("rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
                        "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm"), List.of()));
    }
}
