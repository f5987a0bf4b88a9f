package io.rtmalloc.bench;

import io.rtmalloc.Allocator;
import io.rtmalloc.AllocatorStats;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.arrow.RtMallocAllocationManager;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.netty.NettyAllocationManager;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
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
 * Apache Arrow buffers through a {@code RootAllocator} over each allocation
 * manager: rtmalloc's ({@code rtmalloc_arrow} on the per-thread front end,
 * {@code rtmalloc_arrow_percpu}) beside Arrow's own Unsafe ({@code arrow_unsafe},
 * glibc's malloc through the JDK's internal unsafe memory access) and Netty ({@code arrow_netty},
 * Arrow's pooled Netty allocator) managers. One operation is an
 * {@code ArrowBuf} of {@code size} bytes allocated and closed, Arrow's
 * accounting and reference counting included:
 * <ul>
 *   <li>{@code arrow_buf}: one at a time;</li>
 *   <li>{@code arrow_buf_1024_live}: 1024 allocated, then the 1024 closed
 *       (per buffer).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ArrowBuffers {

    static final int LIVE = 1024;

    @Param({"rtmalloc_arrow", "rtmalloc_arrow_percpu", "arrow_unsafe", "arrow_netty"})
    public String allocator;

    @Param({"64", "65536"})
    public long size;

    private Allocator rtmalloc;
    private RootAllocator root;
    private final ArrowBuf[] live = new ArrowBuf[LIVE];

    @Setup(Level.Trial)
    public void setUp() {
        // Arrow's allocator classes first: their initialization reads the default manager's factory,
        // which would be null if the first touch were UnsafeAllocationManager.FACTORY itself (a cycle).
        var config = RootAllocator.configBuilder();
        AllocationManager.Factory factory = switch (Allocators.of(allocator)) {
            case RTMALLOC_ARROW -> rtmalloc("threadcache");
            case RTMALLOC_ARROW_PERCPU -> rtmalloc("percpu");
            case ARROW_UNSAFE -> UnsafeAllocationManager.FACTORY;
            case ARROW_NETTY -> NettyAllocationManager.FACTORY;
            default -> throw new IllegalArgumentException("unknown Arrow allocation manager " + allocator);
        };
        root = new RootAllocator(config.allocationManagerFactory(factory).build());
    }

    private AllocationManager.Factory rtmalloc(String frontEnd) {
        rtmalloc = RtMalloc.builder().frontEnd(frontEnd).build();
        return RtMallocAllocationManager.factory(rtmalloc);
    }

    /** Closes the root allocator (Arrow checks that every buffer was closed) and checks rtmalloc's accounts. */
    @TearDown(Level.Trial)
    public void tearDown() {
        root.close();
        if (rtmalloc != null) {
            rtmalloc.flushThreadCache();
            AllocatorStats stats = rtmalloc.stats();
            if (stats.bytesInUse() != 0) {
                throw new IllegalStateException("rtmalloc leaks " + stats.bytesInUse() + " bytes under Arrow\n" + stats);
            }
            rtmalloc.close();
        }
    }

    @Benchmark
    public long arrow_buf() {
        ArrowBuf b = root.buffer(size);
        long address = b.memoryAddress();
        b.close();
        return address;
    }

    @Benchmark
    @OperationsPerInvocation(LIVE)
    public long arrow_buf_1024_live() {
        ArrowBuf[] bufs = live;
        long size = this.size;
        long sum = 0;
        for (int i = 0; i < LIVE; i++) {
            bufs[i] = root.buffer(size);
            sum += bufs[i].memoryAddress();
        }
        for (int i = 0; i < LIVE; i++) {
            bufs[i].close();
            bufs[i] = null;
        }
        return sum;
    }
}
