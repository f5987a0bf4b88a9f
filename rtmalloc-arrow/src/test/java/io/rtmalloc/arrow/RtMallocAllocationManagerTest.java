package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.netty.NettyAllocationManager;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manager and its factory: sizes, the empty buffer, the global factory, Arrow's own managers beside it. */
class RtMallocAllocationManagerTest {

    private Allocator allocator;

    @BeforeEach
    void open() {
        allocator = RtMalloc.builder().build();
    }

    @AfterEach
    void close() {
        allocator.close();
    }

    @Test
    void create_takesABlockOfTheRequestedSize_andGetSizeIsThatSize() {
        RtMallocAllocationManagerFactory factory = RtMallocAllocationManager.factory(allocator);
        assertSame(allocator, factory.allocator());
        try (RootAllocator root = new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(factory).build())) {
            for (long size : new long[] {1, 8, 100, 4096, 65_536, 1 << 20, 3 << 20}) {
                ArrowBuf buf = root.buffer(size);
                long rounded = buf.capacity();                    // Arrow's rounding policy
                assertEquals(rounded, buf.getReferenceManager().getSize(), "getSize() is the requested size");
                assertEquals(rounded, root.getAllocatedMemory());
                assertTrue(allocator.usableSize(buf.memoryAddress()) >= rounded);
                buf.setByte(rounded - 1, 7);
                buf.close();
                allocator.flushThreadCache();
                assertEquals(0, allocator.stats().bytesInUse(), "sized free of a " + rounded + "-byte buffer");
            }
        }
        allocator.checkInvariants();
    }

    @Test
    void empty_isSharedAndTakesNoBlock() {
        try (RootAllocator root = RtMallocAllocationManager.newRootAllocator(allocator, Long.MAX_VALUE)) {
            ArrowBuf empty = root.buffer(0);
            assertEquals(0, empty.capacity());
            assertSame(RtMallocAllocationManager.factory(allocator).empty(), empty);
            assertSame(empty, root.getEmpty());
            empty.close();
            assertEquals(0, allocator.stats().bytesInUse());
        }
    }

    @Test
    void factory_withoutAnAllocator_isRefused() {
        assertThrows(NullPointerException.class, () -> RtMallocAllocationManager.factory(null));
    }

    @Test
    void globalFactory_usesTheProcessWideAllocator() {
        AllocationManager.Factory global = RtMallocAllocationManager.factory();
        assertSame(global, RtMallocAllocationManager.factory());
        assertSame(RtMalloc.global(), RtMallocAllocationManager.factory().allocator());
        try (BufferAllocator root = RtMallocAllocationManager.newRootAllocator()) {
            ArrowBuf buf = root.buffer(1000);
            assertTrue(RtMalloc.global().usableSize(buf.memoryAddress()) >= 1000);
            buf.close();
        }
    }

    /** The same vector work over Arrow's Unsafe and Netty managers and rtmalloc's, in one JVM. */
    @Test
    void arrowsOwnManagers_andRtMalloc_giveTheSameResults() {
        AllocationManager.Factory[] factories = {
            UnsafeAllocationManager.FACTORY, NettyAllocationManager.FACTORY, RtMallocAllocationManager.factory(allocator)
        };
        long[] sums = new long[factories.length];
        for (int f = 0; f < factories.length; f++) {
            try (RootAllocator root = new RootAllocator(RootAllocator.configBuilder()
                    .allocationManagerFactory(factories[f]).build());
                 IntVector v = new IntVector("v", root)) {
                for (int i = 0; i < 10_000; i++) {
                    v.setSafe(i, i ^ 0x5a5a);
                }
                v.setValueCount(10_000);
                for (int i = 0; i < 10_000; i++) {
                    sums[f] += v.get(i);
                }
            }
        }
        assertEquals(sums[0], sums[1]);
        assertEquals(sums[0], sums[2]);
        assertEquals(0, allocator.stats().bytesInUse());
    }
}
