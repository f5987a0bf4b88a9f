package io.rtmalloc.bench;

import io.rtmalloc.Allocator;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * One operation is one {@code malloc} of {@code size} bytes followed by the
 * {@code free} of that block, on one thread, so every allocator serves the
 * block it has just taken back: this measures the cost of the calls
 * themselves, the best case of every allocator.
 *
 * <ul>
 *   <li>{@code rtmalloc_global}: an rtmalloc stack with the "global" front end
 *       (no cache in front of the central tier), {@code free(address)}.</li>
 *   <li>{@code rtmalloc_global_sized}: the same with the sized
 *       {@code free(address, size)}, which skips the page-map lookup.</li>
 *   <li>{@code rtmalloc_threadcache}: the per-thread front end; each call finds
 *       the thread's cache through a {@code ThreadLocal}.</li>
 *   <li>{@code rtmalloc_threadcache_bound}: its {@code threadBound()} view,
 *       which holds the cache and skips that lookup.</li>
 *   <li>{@code rtmalloc_percpu}: the per-CPU front end (CPU number, a CAS on
 *       the CPU cache's owner word, pop or push, a release store).</li>
 *   <li>{@code libc_ffm}: the C library's {@code malloc}/{@code free} through
 *       plain FFM downcalls, as most Java code would call them.</li>
 *   <li>{@code libc_ffm_critical}: the same downcalls linked with
 *       {@code Linker.Option.critical(false)} (no thread-state transition;
 *       safe here because malloc and free never call back into Java).</li>
 *   <li>{@code arena_confined}: {@code Arena.ofConfined()}, {@code allocate(size)},
 *       {@code close()}: the JDK's own way (it also zeroes the block).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class MallocFreePair {

    @Param({"8", "64", "256", "1024", "4096", "65536"})
    public long size;

    @Benchmark
    public long rtmalloc_global(Stacks.Global rt) {
        Allocator a = rt.allocator;
        long p = a.malloc(size);
        a.free(p);
        return p;
    }

    @Benchmark
    public long rtmalloc_global_sized(Stacks.Global rt) {
        Allocator a = rt.allocator;
        long p = a.malloc(size);
        a.free(p, size);
        return p;
    }

    @Benchmark
    public long rtmalloc_threadcache(Stacks.ThreadCache rt) {
        Allocator a = rt.allocator;
        long p = a.malloc(size);
        a.free(p);
        return p;
    }

    @Benchmark
    public long rtmalloc_threadcache_bound(Stacks.ThreadCache rt) {
        Allocator a = rt.bound;
        long p = a.malloc(size);
        a.free(p);
        return p;
    }

    @Benchmark
    public long rtmalloc_percpu(Stacks.PerCpu rt) {
        Allocator a = rt.allocator;
        long p = a.malloc(size);
        a.free(p);
        return p;
    }

    @Benchmark
    public long libc_ffm() throws Throwable {
        MemorySegment p = (MemorySegment) Libc.MALLOC.invokeExact(size);
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        Libc.FREE.invokeExact(p);
        return p.address();
    }

    @Benchmark
    public long libc_ffm_critical() throws Throwable {
        MemorySegment p = (MemorySegment) Libc.MALLOC_CRITICAL.invokeExact(size);
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        Libc.FREE_CRITICAL.invokeExact(p);
        return p.address();
    }

    @Benchmark
    public long arena_confined() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(size).address();
        }
    }
}
