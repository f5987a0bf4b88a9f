package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * arena_long_lived: one operation allocates a segment of {@code size} bytes
 * in a long-lived arena and writes a word into it; every 4096 segments the
 * arena is closed and another opened, a cost shared by the 4096 operations.
 * The per-segment cost of an arena that lives for many allocations.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ArenaLongLived {

    private static final int PER_ARENA = 4096;

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "rtmalloc_threadcache_unzeroed", "rtmalloc_threadcache_shared", "arena_confined", "arena_shared"})
    public String allocator;

    @Param({"64"})
    public long size;

    private Arenas arenas;
    private Arena arena;
    private int left;

    @Setup(Level.Trial)
    public void setUp() {
        arenas = Arenas.create(allocator);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (arena != null) {
            arena.close();
        }
        if (arenas.allocator() != null) {
            arenas.allocator().close();
        }
    }

    @Benchmark
    public long arena_long_lived() {
        if (left == 0) {
            if (arena != null) {
                arena.close();
            }
            arena = arenas.open();
            left = PER_ARENA;
        }
        left--;
        MemorySegment s = arena.allocate(size, 8);
        s.set(ValueLayout.JAVA_LONG, 0, left);
        return s.address();
    }
}
