package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * 1000 allocations of {@code size} bytes, then the 1000 frees, in allocation
 * order; the score is per malloc+free pair. Unlike {@link MallocFreePair} the
 * allocator must hold 1000 blocks at once, so caches have to refill and flush.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class Batch1000 {

    static final int N = 1000;

    @Param({"8", "64", "512", "4096"})
    public long size;

    private final long[] blocks = new long[N];

    private long run(Allocator a) {
        long[] b = blocks;
        for (int i = 0; i < N; i++) {
            b[i] = a.malloc(size);
        }
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += b[i];
            a.free(b[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long rtmalloc_global(Stacks.Global rt) {
        return run(rt.allocator);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long rtmalloc_threadcache(Stacks.ThreadCache rt) {
        return run(rt.allocator);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long rtmalloc_threadcache_bound(Stacks.ThreadCache rt) {
        return run(rt.bound);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long libc_ffm() throws Throwable {
        long[] b = blocks;
        for (int i = 0; i < N; i++) {
            b[i] = Libc.malloc(size);
        }
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += b[i];
            Libc.free(b[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long libc_ffm_critical() throws Throwable {
        long[] b = blocks;
        for (int i = 0; i < N; i++) {
            b[i] = Libc.mallocCritical(size);
        }
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += b[i];
            Libc.freeCritical(b[i]);
        }
        return sum;
    }

    /** The JDK's way: 1000 segments of one confined arena, freed together by close (and zeroed). */
    @Benchmark
    @OperationsPerInvocation(N)
    public long arena_confined() {
        long sum = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < N; i++) {
                sum += arena.allocate(size).address();
            }
        }
        return sum;
    }
}
