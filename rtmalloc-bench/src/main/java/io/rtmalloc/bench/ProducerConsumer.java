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

import java.util.concurrent.TimeUnit;

/**
 * producer_consumer (cross-thread free): one thread allocates blocks of
 * {@code size} bytes and hands them to another thread, which frees them,
 * through a bounded single-producer single-consumer queue of 1024 blocks
 * ({@link Handoff}, built so that its own traffic between the cores stays
 * small and steady).
 * Each side's operation is one block (a wait on a full or empty queue counts in
 * it), so the score is about the time per block through the pipeline. The
 * JDK's peer is {@code arena_shared}: a confined arena cannot be closed by
 * another thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class ProducerConsumer {

    @Param({"rtmalloc_global", "rtmalloc_threadcache", "rtmalloc_percpu",
            "libc_ffm", "libc_ffm_critical", "tcmalloc_ffm", "jemalloc_ffm", "mimalloc_ffm",
            "netty_pooled", "netty_pooled_cache_all", "netty_adaptive", "arena_shared"})
    public String allocator;

    @Param({"64", "4096"})
    public long size;

    private Heap heap;
    /** The queue's slots: the producer allocates into slot tail, the consumer frees slot head. */
    private Blocks ring;
    private final Handoff queue = new Handoff();

    @Setup(Level.Trial)
    public void setUp() {
        heap = Heap.create(allocator);
        ring = heap.blocks(Handoff.CAPACITY);
    }

    /** Frees what is left in the queue (both threads have stopped). */
    @TearDown(Level.Iteration)
    public void drain() {
        long[] range = queue.filledRange();
        for (long h = range[0]; h < range[1]; h++) {
            ring.free((int) (h & Handoff.MASK));
        }
        queue.drained();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    @Group("producer_consumer")
    @GroupThreads(1)
    public long produce(Control control) {
        long tail = queue.nextToFill(control);
        if (tail < 0) {
            return 0;
        }
        long v = ring.alloc((int) (tail & Handoff.MASK), size);
        queue.filled(tail);
        return v;
    }

    @Benchmark
    @Group("producer_consumer")
    @GroupThreads(1)
    public long consume(Control control) {
        long head = queue.nextToEmpty(control);
        if (head < 0) {
            return 0;
        }
        ring.free((int) (head & Handoff.MASK));
        queue.emptied(head);
        return head;
    }
}
