package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A live window of 4096 blocks of {@code size} bytes; one operation frees the
 * block at a random slot and allocates a new one there, so blocks are freed in
 * an order unrelated to their allocation. Each window is filled before an
 * iteration and emptied after it, outside the measurement.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class Churn {

    static final int WINDOW = 4096;

    @Param({"32", "256", "2048"})
    public long size;

    /** Random slots, the same sequence for every allocator. */
    @State(Scope.Thread)
    public static class Slots {
        final int[] slots = new int[1 << 16];
        int next;

        @Setup(Level.Trial)
        public void fill() {
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < slots.length; i++) {
                slots[i] = rnd.nextInt(WINDOW);
            }
        }

        int next() {
            int s = slots[next];
            next = (next + 1) & (slots.length - 1);
            return s;
        }
    }

    /** A window of blocks in an rtmalloc allocator. */
    public abstract static class RtWindow {
        final long[] live = new long[WINDOW];
        Allocator allocator;

        void fill(Allocator a, long size) {
            allocator = a;
            for (int i = 0; i < WINDOW; i++) {
                live[i] = a.malloc(size);
            }
        }

        @TearDown(Level.Iteration)
        public void empty() {
            for (int i = 0; i < WINDOW; i++) {
                allocator.free(live[i]);
                live[i] = 0;
            }
        }
    }

    @State(Scope.Thread)
    public static class GlobalWindow extends RtWindow {
        @Setup(Level.Iteration)
        public void fill(Stacks.Global rt, Churn c) {
            fill(rt.allocator, c.size);
        }
    }

    @State(Scope.Thread)
    public static class ThreadCacheWindow extends RtWindow {
        @Setup(Level.Iteration)
        public void fill(Stacks.ThreadCache rt, Churn c) {
            fill(rt.bound, c.size);
        }
    }

    /** A window of blocks from libc. */
    @State(Scope.Thread)
    public static class LibcWindow {
        final long[] live = new long[WINDOW];

        @Setup(Level.Iteration)
        public void fill(Churn c) throws Throwable {
            for (int i = 0; i < WINDOW; i++) {
                live[i] = Libc.malloc(c.size);
            }
        }

        @TearDown(Level.Iteration)
        public void empty() throws Throwable {
            for (int i = 0; i < WINDOW; i++) {
                Libc.free(live[i]);
                live[i] = 0;
            }
        }
    }

    @Benchmark
    public long rtmalloc_global(GlobalWindow w, Slots slots) {
        int s = slots.next();
        w.allocator.free(w.live[s]);
        return w.live[s] = w.allocator.malloc(size);
    }

    @Benchmark
    public long rtmalloc_threadcache_bound(ThreadCacheWindow w, Slots slots) {
        int s = slots.next();
        w.allocator.free(w.live[s]);
        return w.live[s] = w.allocator.malloc(size);
    }

    @Benchmark
    public long libc_ffm(LibcWindow w, Slots slots) throws Throwable {
        int s = slots.next();
        Libc.free(w.live[s]);
        return w.live[s] = Libc.malloc(size);
    }

    @Benchmark
    public long libc_ffm_critical(LibcWindow w, Slots slots) throws Throwable {
        int s = slots.next();
        Libc.freeCritical(w.live[s]);
        return w.live[s] = Libc.mallocCritical(size);
    }
}
