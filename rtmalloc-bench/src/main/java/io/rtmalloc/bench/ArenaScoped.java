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
 * arena_scoped: one operation opens an arena, allocates {@code count}
 * segments of {@code size} bytes, writes a word into each and closes the
 * arena: the scoped use the JDK's {@code Arena} API is made for.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ArenaScoped {

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "rtmalloc_threadcache_unzeroed", "rtmalloc_threadcache_shared", "arena_confined", "arena_shared"})
    public String allocator;

    @Param({"1", "8"})
    public int count;

    @Param({"16", "48", "64", "256", "4096"})
    public long size;

    private Arenas arenas;

    @Setup(Level.Trial)
    public void setUp() {
        arenas = Arenas.create(allocator);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (arenas.allocator() != null) {
            arenas.allocator().close(); // refuses if an arena leaked
        }
    }

    @Benchmark
    public long arena_scoped() {
        long sum = 0;
        try (Arena arena = arenas.open()) {
            for (int i = 0; i < count; i++) {
                MemorySegment s = arena.allocate(size, 8);
                s.set(ValueLayout.JAVA_LONG, 0, i);
                sum += s.address();
            }
        }
        return sum;
    }
}
