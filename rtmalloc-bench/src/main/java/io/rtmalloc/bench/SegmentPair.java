package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * segment_pair: {@code allocate(size, 8)} of a segment with a lifetime of its
 * own, a write, and {@code free(segment)}: the segment API's counterpart of
 * single_alloc_dealloc, whose raw pair it is compared with in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class SegmentPair {

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu"})
    public String allocator;

    @Param({"64"})
    public long size;

    private Allocator owner;
    private Allocator a;

    @Setup(Level.Trial)
    public void setUp() {
        String frontEnd = allocator.substring("rtmalloc_".length()).replace("_bound", "");
        owner = RtMalloc.builder().frontEnd(frontEnd).build();
        a = allocator.endsWith("_bound") ? owner.threadBound() : owner;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        owner.close();
    }

    @Benchmark
    public long segment_pair() {
        MemorySegment s = a.allocate(size, 8);
        s.set(ValueLayout.JAVA_LONG, 0, size);
        long address = s.address();
        a.free(s);
        return address;
    }
}
