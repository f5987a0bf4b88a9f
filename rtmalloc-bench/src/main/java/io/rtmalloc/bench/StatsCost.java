package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * What the observability switches cost on the 64-byte malloc+free pair: the
 * same benchmark with both off (the default), with stats counters on
 * ({@code -Drtmalloc.stats=true}) and with the allocation histogram on
 * ({@code -Drtmalloc.histogram=true}), each in its own JVM since the switches
 * are read once into static finals. "Off" should cost nothing: the JIT removes
 * the counting code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class StatsCost {

    @Param({"threadcache", "percpu"})
    public String frontEnd;

    private Allocator allocator;

    @Setup(Level.Trial)
    public void build() {
        allocator = RtMalloc.builder().frontEnd(frontEnd).build();
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
    }

    private long pair() {
        long p = allocator.malloc(64);
        allocator.free(p);
        return p;
    }

    @Benchmark
    public long switches_off() {
        return pair();
    }

    @Benchmark
    @Fork(jvmArgsAppend = "-Drtmalloc.stats=true")
    public long stats_on() {
        return pair();
    }

    @Benchmark
    @Fork(jvmArgsAppend = "-Drtmalloc.histogram=true")
    public long histogram_on() {
        return pair();
    }
}
