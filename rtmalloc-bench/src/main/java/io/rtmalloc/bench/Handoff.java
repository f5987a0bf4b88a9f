package io.rtmalloc.bench;

import org.openjdk.jmh.infra.Control;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The indices of the bounded single-producer single-consumer queue of
 * {@value #CAPACITY} slots through which the cross-thread workloads hand
 * blocks from the thread that allocates them to the thread that frees them.
 * The slots themselves are the workload's ({@link Blocks}, or buffers).
 *
 * <p>The queue is built so that its own traffic between the two cores stays
 * small and steady, and the score is the allocator's:
 * <ul>
 *   <li>Each side publishes its index every {@value #PUBLISH} slots (two
 *       cache lines of slot addresses), and before it waits, not after every
 *       slot; so the two sides never write the same line of slots at once.</li>
 *   <li>Each side keeps a copy of the other side's index and reads the shared
 *       one only when its copy says the queue is full (producer) or empty
 *       (consumer), as Lamport's queue does with cached indices.</li>
 * </ul>
 * A queue that published and read both indices on every slot (as this one
 * did before) moves the other side's index line to the reading core on most
 * operations. With an allocator that does nothing (a constant for malloc,
 * nothing for free) both queues cost about 10 ns a block on two cores; with
 * real allocators, whose operations take longer now and then (a refill, a
 * flush), the old queue's scores were higher, and for some bimodal by fork:
 * in one script, the same per-thread
 * front end took 50.9 ± 3.0 ns a block through the old queue and 37.7 ± 3.3
 * through this one, and jemalloc 97.5 ± 57.8 (fork means 171, 61 and 60)
 * and 40.6 ± 4.1.
 *
 * <p>No deadlock: a side publishes all it did before it waits, so the producer
 * waits only on a queue full of published slots, which the consumer sees.
 *
 * <pre>
 *   slots [tail - CAPACITY .. head)  free for the producer
 *         [head .. tail)             filled, for the consumer (published up to the shared tail)
 * </pre>
 *
 * Each side's own indices share a cache line, and the two sides' lines are
 * 128 bytes apart (two lines, for adjacent-line prefetch). The state is the
 * JMH group's: one producer thread, one consumer thread.
 */
final class Handoff {

    static final int CAPACITY = 1024;
    static final int MASK = CAPACITY - 1;
    /** Slots a side fills or empties between two publications of its index. */
    static final int PUBLISH = 16;

    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
    /** The consumer's line: its next slot, the head it published, and the tail it last read. */
    private static final int HEAD_NEXT = 16;
    private static final int HEAD = HEAD_NEXT + 1;
    private static final int TAIL_SEEN = HEAD_NEXT + 2;
    /** The producer's line: its next slot, the tail it published, and the head it last read. */
    private static final int TAIL_NEXT = 32;
    private static final int TAIL = TAIL_NEXT + 1;
    private static final int HEAD_SEEN = TAIL_NEXT + 2;

    private final long[] indices = new long[48];

    /**
     * The producer's next slot index ({@code & MASK} gives the slot), once the
     * queue has room for it; -1 when the measurement stopped while it waited.
     * The caller fills the slot, then calls {@link #filled}.
     */
    long nextToFill(Control control) {
        long tail = (long) INDEX.get(indices, TAIL_NEXT);
        if (tail - (long) INDEX.get(indices, HEAD_SEEN) >= CAPACITY) {
            INDEX.setRelease(indices, TAIL, tail);
            long head;
            while (tail - (head = (long) INDEX.getAcquire(indices, HEAD)) >= CAPACITY) {
                if (control.stopMeasurement) {
                    return -1;
                }
                Thread.onSpinWait();
            }
            INDEX.set(indices, HEAD_SEEN, head);
        }
        return tail;
    }

    /** Slot {@code tail} (from {@link #nextToFill}) is filled; every {@value #PUBLISH} slots, hands them over. */
    void filled(long tail) {
        long next = tail + 1;
        INDEX.set(indices, TAIL_NEXT, next);
        if ((next & (PUBLISH - 1)) == 0) {
            INDEX.setRelease(indices, TAIL, next);
        }
    }

    /**
     * The consumer's next slot index, once the producer has handed it over;
     * -1 when the measurement stopped while it waited. The caller empties the
     * slot, then calls {@link #emptied}.
     */
    long nextToEmpty(Control control) {
        long head = (long) INDEX.get(indices, HEAD_NEXT);
        if ((long) INDEX.get(indices, TAIL_SEEN) - head <= 0) {
            INDEX.setRelease(indices, HEAD, head);
            long tail;
            while ((tail = (long) INDEX.getAcquire(indices, TAIL)) - head <= 0) {
                if (control.stopMeasurement) {
                    return -1;
                }
                Thread.onSpinWait();
            }
            INDEX.set(indices, TAIL_SEEN, tail);
        }
        return head;
    }

    /** Slot {@code head} (from {@link #nextToEmpty}) is empty; every {@value #PUBLISH} slots, gives them back. */
    void emptied(long head) {
        long next = head + 1;
        INDEX.set(indices, HEAD_NEXT, next);
        if ((next & (PUBLISH - 1)) == 0) {
            INDEX.setRelease(indices, HEAD, next);
        }
    }

    /**
     * For the teardown after an iteration (both threads stopped): the filled
     * slots' indices, {@code [head, tail)} as {@code {head, tail}}, published
     * or not; then {@link #drained} once the caller emptied them.
     */
    long[] filledRange() {
        return new long[] {(long) INDEX.getVolatile(indices, HEAD_NEXT), (long) INDEX.getVolatile(indices, TAIL_NEXT)};
    }

    /** Every filled slot was emptied by the teardown: the queue is empty, and both sides know it. */
    void drained() {
        long tail = (long) INDEX.getVolatile(indices, TAIL_NEXT);
        INDEX.setVolatile(indices, TAIL, tail);
        INDEX.setVolatile(indices, HEAD_NEXT, tail);
        INDEX.setVolatile(indices, HEAD, tail);
    }
}
