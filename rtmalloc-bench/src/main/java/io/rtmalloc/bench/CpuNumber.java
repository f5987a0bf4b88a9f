package io.rtmalloc.bench;

import io.rtmalloc.spi.CurrentCpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * What the per-CPU front end pays to learn the current CPU, each way it can:
 * glibc's rseq area (a critical {@code pthread_self} downcall plus a read),
 * a critical {@code sched_getcpu} downcall, and the thread-hash stripe of the
 * fallback; {@code chosen} is the way in use on this machine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CpuNumber {

    @Benchmark
    public int rseq() {
        return CurrentCpu.rseq();
    }

    @Benchmark
    public int sched_getcpu() {
        return CurrentCpu.schedGetcpu();
    }

    @Benchmark
    public int stripe() {
        return CurrentCpu.stripe();
    }

    @Benchmark
    public int chosen() {
        return CurrentCpu.get();
    }
}
