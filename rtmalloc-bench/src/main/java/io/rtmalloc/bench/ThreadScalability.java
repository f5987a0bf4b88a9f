package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * thread_scalability: every thread runs the same loop on one shared allocator:
 * 32 blocks of 16 to 512 bytes allocated, then freed; the score is the average
 * time of one malloc+free pair as each thread sees it. {@link Main} runs it on
 * 1, 2, 4 and 8 threads (JMH's {@code -t}); with more threads than cores the
 * threads also share the CPUs, so a flat line is perfect scaling only up to
 * the number of cores.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class ThreadScalability {

    static final int N = 32;
    private static final long[] SIZES = {16, 32, 48, 64, 96, 128, 256, 512};

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_threadcache_bound", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_confined"})
    public String allocator;

    Heap heap;

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    /** Each thread's blocks (a thread-bound view binds to the thread that sets this up). */
    @State(Scope.Thread)
    public static class Local {
        Blocks blocks;

        @Setup(Level.Trial)
        public void setUp(ThreadScalability shared) {
            blocks = shared.heap.blocks(N);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long thread_scalability(Local local) {
        Blocks b = local.blocks;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += b.alloc(i, SIZES[i & 7]);
        }
        for (int i = 0; i < N; i++) {
            b.free(i);
        }
        return sum;
    }
}
