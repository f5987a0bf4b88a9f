package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * rtmalloc stacks as JMH state: each built once per trial and checked for
 * leaks after it (a broken allocator fails the run).
 */
public final class Stacks {

    private Stacks() {
    }

    static Allocator build(String frontEnd) {
        return RtMalloc.builder().frontEnd(frontEnd).build();
    }

    static void verify(Allocator allocator) {
        allocator.flushThreadCache();
        AllocatorStats stats = allocator.stats();
        if (stats.bytesInUse() != 0) {
            throw new IllegalStateException("rtmalloc " + allocator.frontEnd() + " leaks: " + stats.bytesInUse()
                    + " bytes still in use after the trial\n" + stats);
        }
    }

    /** The "global" front end: no cache before the central tier. */
    @State(Scope.Benchmark)
    public static class Global {
        Allocator allocator;

        @Setup(Level.Trial)
        public void build() {
            allocator = Stacks.build("global");
        }

        @TearDown(Level.Trial)
        public void verify() {
            Stacks.verify(allocator);
        }
    }

    /** The "percpu" front end: caches per logical CPU. */
    @State(Scope.Benchmark)
    public static class PerCpu {
        Allocator allocator;

        @Setup(Level.Trial)
        public void build() {
            allocator = Stacks.build("percpu");
        }

        @TearDown(Level.Trial)
        public void verify() {
            allocator.releaseFreeMemory(); // drains the CPU caches
            Stacks.verify(allocator);
        }
    }

    /** The "threadcache" front end shared by every benchmark thread (each has its own cache). */
    @State(Scope.Benchmark)
    public static class SharedThreadCache {
        Allocator allocator;

        @Setup(Level.Trial)
        public void build() {
            allocator = Stacks.build("threadcache");
        }

        @TearDown(Level.Trial)
        public void verify() {
            Stacks.verify(allocator);
        }
    }

    /**
     * The "threadcache" front end, and its view bound to the benchmark thread
     * ({@code Allocator.threadBound()}), which skips the thread-local lookup.
     */
    @State(Scope.Thread)
    public static class ThreadCache {
        Allocator allocator;
        Allocator bound;

        @Setup(Level.Trial)
        public void build() {
            allocator = Stacks.build("threadcache");
            bound = allocator.threadBound();
        }

        @TearDown(Level.Trial)
        public void verify() {
            Stacks.verify(bound);
        }
    }
}
