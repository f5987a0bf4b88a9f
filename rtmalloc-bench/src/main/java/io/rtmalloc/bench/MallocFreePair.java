package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
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

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor MALLOC_DESC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor FREE_DESC =
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);

    private static final MethodHandle MALLOC = libc("malloc", MALLOC_DESC);
    private static final MethodHandle FREE = libc("free", FREE_DESC);
    private static final MethodHandle MALLOC_CRITICAL =
            libc("malloc", MALLOC_DESC, Linker.Option.critical(false));
    private static final MethodHandle FREE_CRITICAL =
            libc("free", FREE_DESC, Linker.Option.critical(false));

    private static MethodHandle libc(String name, FunctionDescriptor desc, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, desc, options);
    }

    @Param({"8", "64", "256", "1024", "4096", "65536"})
    public long size;

    /** An rtmalloc stack with the "global" front end, built once per trial and checked for leaks after it. */
    @State(Scope.Thread)
    public static class GlobalStack {
        Allocator allocator;

        @Setup(Level.Trial)
        public void build() {
            allocator = RtMalloc.builder().frontEnd("global").build();
        }

        @TearDown(Level.Trial)
        public void verify() {
            AllocatorStats stats = allocator.stats();
            if (stats.bytesInUse() != 0) {
                throw new IllegalStateException("rtmalloc global leaks: " + stats.bytesInUse()
                        + " bytes still in use after the trial\n" + stats);
            }
        }
    }

    @Benchmark
    public long rtmalloc_global(GlobalStack rt) {
        Allocator a = rt.allocator;
        long p = a.malloc(size);
        a.free(p);
        return p;
    }

    @Benchmark
    public long rtmalloc_global_sized(GlobalStack rt) {
        Allocator a = rt.allocator;
        long p = a.malloc(size);
        a.free(p, size);
        return p;
    }

    @Benchmark
    public long libc_ffm() throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC.invokeExact(size);
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        FREE.invokeExact(p);
        return p.address();
    }

    @Benchmark
    public long libc_ffm_critical() throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC_CRITICAL.invokeExact(size);
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        FREE_CRITICAL.invokeExact(p);
        return p.address();
    }

    @Benchmark
    public long arena_confined() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(size).address();
        }
    }
}
