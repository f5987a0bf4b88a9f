package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.TimeUnit;

/**
 * The 64-byte malloc+free pair on 2 and 8 platform threads sharing one
 * allocator (this machine has 2 cores, so 8 threads oversubscribe it). The
 * score is the average time of one pair as each thread sees it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ThreadScaling {

    static final long SIZE = 64;

    private static long pair(Allocator a) {
        long p = a.malloc(SIZE);
        a.free(p);
        return p;
    }

    @Benchmark @Threads(2)
    public long global_2(Stacks.Global rt) {
        return pair(rt.allocator);
    }

    @Benchmark @Threads(8)
    public long global_8(Stacks.Global rt) {
        return pair(rt.allocator);
    }

    @Benchmark @Threads(2)
    public long threadcache_2(Stacks.SharedThreadCache rt) {
        return pair(rt.allocator);
    }

    @Benchmark @Threads(8)
    public long threadcache_8(Stacks.SharedThreadCache rt) {
        return pair(rt.allocator);
    }

    @Benchmark @Threads(2)
    public long percpu_2(Stacks.PerCpu rt) {
        return pair(rt.allocator);
    }

    @Benchmark @Threads(8)
    public long percpu_8(Stacks.PerCpu rt) {
        return pair(rt.allocator);
    }
}
