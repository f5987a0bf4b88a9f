package io.rtmalloc.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.netty.RtMallocByteBufAllocator;
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
 * Netty direct buffers from rtmalloc's {@code ByteBufAllocator}
 * ({@code rtmalloc_netty} on the per-thread front end, {@code rtmalloc_netty_percpu})
 * beside Netty's {@code PooledByteBufAllocator} (as configured by default, and
 * with thread caches for every thread) and {@code AdaptiveByteBufAllocator}.
 * One operation is a direct buffer of {@code size} bytes allocated, written
 * (a long at its start and a byte at its end) and released, Netty's leak
 * detector at its default level for all of them:
 * <ul>
 *   <li>{@code netty_buf}: on one thread;</li>
 *   <li>{@code netty_buf_cross_thread}: allocated and written on one thread,
 *       released on another, through a bounded queue of 1024 buffers (as in
 *       {@link ProducerConsumer}; each side's operation is one buffer).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class NettyBuffers {

    @Param({"rtmalloc_netty", "rtmalloc_netty_percpu", "netty_pooled", "netty_pooled_cache_all", "netty_adaptive"})
    public String allocator;

    @Param({"64", "1024", "16384"})
    public int size;

    private Allocator rtmalloc;
    private ByteBufAllocator alloc;
    private final ByteBuf[] ring = new ByteBuf[Handoff.CAPACITY];
    private final Handoff queue = new Handoff();

    @Setup(Level.Trial)
    public void setUp() {
        alloc = switch (Allocators.of(allocator)) {
            case RTMALLOC_NETTY -> rtmalloc("threadcache");
            case RTMALLOC_NETTY_PERCPU -> rtmalloc("percpu");
            case NETTY_POOLED, NETTY_POOLED_CACHE_ALL, NETTY_ADAPTIVE -> ((Heap.Netty) Heap.create(allocator)).alloc;
            default -> throw new IllegalArgumentException("unknown Netty allocator " + allocator);
        };
    }

    private ByteBufAllocator rtmalloc(String frontEnd) {
        rtmalloc = RtMalloc.builder().frontEnd(frontEnd).build();
        return new RtMallocByteBufAllocator(rtmalloc);
    }

    /** Releases what is left in the queue (both threads have stopped). */
    @TearDown(Level.Iteration)
    public void drain() {
        long[] range = queue.filledRange();
        for (long h = range[0]; h < range[1]; h++) {
            int slot = (int) (h & Handoff.MASK);
            ring[slot].release();
            ring[slot] = null;
        }
        queue.drained();
    }

    /** Checks that rtmalloc holds no block once every buffer is released; lets Netty's pools go. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (rtmalloc != null) {
            rtmalloc.flushThreadCache();
            if (rtmalloc.frontEnd().equals("percpu")) {
                rtmalloc.releaseFreeMemory(); // drains the CPU caches
            }
            AllocatorStats stats = rtmalloc.stats();
            if (stats.bytesInUse() != 0) {
                throw new IllegalStateException("rtmalloc leaks " + stats.bytesInUse() + " bytes under Netty\n" + stats);
            }
            rtmalloc.close();
        } else {
            System.gc(); // Netty frees a pool's chunks only when the collector finds the allocator unreachable
        }
    }

    private ByteBuf written() {
        ByteBuf b = alloc.directBuffer(size);
        b.writeLong(size);
        b.setByte(size - 1, 1);
        return b;
    }

    @Benchmark
    @Group("netty_buf")
    public int netty_buf() {
        ByteBuf b = written();
        int c = b.capacity();
        b.release();
        return c;
    }

    @Benchmark
    @Group("netty_buf_cross_thread")
    @GroupThreads(1)
    public long allocate(Control control) {
        long tail = queue.nextToFill(control);
        if (tail < 0) {
            return 0;
        }
        ring[(int) (tail & Handoff.MASK)] = written();
        queue.filled(tail);
        return tail;
    }

    @Benchmark
    @Group("netty_buf_cross_thread")
    @GroupThreads(1)
    public long release(Control control) {
        long head = queue.nextToEmpty(control);
        if (head < 0) {
            return 0;
        }
        int slot = (int) (head & Handoff.MASK);
        ring[slot].release();
        ring[slot] = null;
        queue.emptied(head);
        return head;
    }
}
