package io.rtmalloc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * producer_consumer (cross-thread free): one thread allocates blocks of
 * {@code size} bytes and hands them to another thread, which frees them,
 * through a bounded single-producer single-consumer queue of 1024 blocks.
 * Each side's operation is one block (a wait on a full or empty queue counts in
 * it), so the score is about the time per block through the pipeline. The
 * JDK's peer is {@code arena_shared}: a confined arena cannot be closed by
 * another thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class ProducerConsumer {

    static final int CAPACITY = 1024;
    private static final int MASK = CAPACITY - 1;
    /** Head and tail of the queue, 128 bytes apart so that the two threads do not share a cache line. */
    private static final int HEAD = 16;
    private static final int TAIL = 32;
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_shared"})
    public String allocator;

    @Param({"64", "4096"})
    public long size;

    private Heap heap;
    /** The queue's slots: the producer allocates into slot tail, the consumer frees slot head. */
    private Blocks ring;
    private final long[] indices = new long[48];

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
        ring = heap.blocks(CAPACITY);
    }

    /** Frees what is left in the queue (both threads have stopped). */
    @TearDown(Level.Iteration)
    public void drain() {
        long head = (long) INDEX.getVolatile(indices, HEAD);
        long tail = (long) INDEX.getVolatile(indices, TAIL);
        for (long h = head; h < tail; h++) {
            ring.free((int) (h & MASK));
        }
        INDEX.setVolatile(indices, HEAD, tail);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    @Group("producer_consumer")
    @GroupThreads(1)
    public long produce(Control control) {
        long tail = (long) INDEX.getOpaque(indices, TAIL);
        while (tail - (long) INDEX.getAcquire(indices, HEAD) >= CAPACITY) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        long v = ring.alloc((int) (tail & MASK), size);
        INDEX.setRelease(indices, TAIL, tail + 1);
        return v;
    }

    @Benchmark
    @Group("producer_consumer")
    @GroupThreads(1)
    public long consume(Control control) {
        long head = (long) INDEX.getOpaque(indices, HEAD);
        while ((long) INDEX.getAcquire(indices, TAIL) == head) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        ring.free((int) (head & MASK));
        INDEX.setRelease(indices, HEAD, head + 1);
        return head;
    }
}
