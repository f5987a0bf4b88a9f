package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.testsupport.FrontEnds;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arrow's accounting through its allocator tree over the rtmalloc manager:
 * what each allocator reports agrees with the blocks rtmalloc holds, a child
 * closed with a buffer outstanding reports it, limits hold, and once every
 * buffer is released no block is left in use.
 */
class LeakAccountingTest {

    private Allocator allocator;

    static java.util.stream.Stream<String> frontEnds() {
        return FrontEnds.names();
    }

    @AfterEach
    void close() {
        if (allocator != null) {
            allocator.close();
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void childClosedWithABufferOutstanding_reportsTheLeak_andRtMallocStillHoldsIt(String frontEnd) {
        allocator = FrontEnds.allocator(frontEnd);
        RootAllocator root = RtMallocAllocationManager.newRootAllocator(allocator, Long.MAX_VALUE);
        BufferAllocator child = root.newChildAllocator("child", 0, Long.MAX_VALUE);
        ArrowBuf kept = child.buffer(3000);          // rounded by Arrow to 4096
        ArrowBuf released = child.buffer(100);
        released.close();
        assertEquals(4096, child.getAllocatedMemory());
        assertEquals(4096, root.getAllocatedMemory());
        allocator.flushThreadCache();
        assertEquals(allocator.usableSize(kept.memoryAddress()), allocator.stats().bytesInUse(),
                "rtmalloc holds exactly the outstanding buffer's block");

        IllegalStateException leak = assertThrows(IllegalStateException.class, child::close);
        assertTrue(leak.getMessage().contains("Memory was leaked") && leak.getMessage().contains("(4096)"),
                leak.getMessage());
        // The leaked buffer's account stays with the root, which reports it too.
        IllegalStateException rootLeak = assertThrows(IllegalStateException.class, root::close);
        assertTrue(rootLeak.getMessage().contains("Memory was leaked"), rootLeak.getMessage());
        // The block is lost to Arrow (its allocator is closed), not to rtmalloc: closing the
        // rtmalloc allocator (in close()) returns it to the OS with everything else.
        assertEquals(allocator.usableSize(kept.memoryAddress()), allocator.stats().bytesInUse());
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void treeOfAllocators_accountsLikeRtMalloc_andBalancesToZero(String frontEnd) {
        allocator = FrontEnds.allocator(frontEnd);
        try (RootAllocator root = RtMallocAllocationManager.newRootAllocator(allocator, Long.MAX_VALUE)) {
            try (BufferAllocator a = root.newChildAllocator("a", 0, Long.MAX_VALUE);
                 BufferAllocator b = a.newChildAllocator("b", 0, Long.MAX_VALUE);
                 IntVector va = new IntVector("va", a);
                 IntVector vb = new IntVector("vb", b)) {
                va.allocateNew(10_000);
                vb.allocateNew(300);
                ArrowBuf big = b.buffer(5 << 20);
                assertEquals(a.getAllocatedMemory(), va.getValidityBuffer().getReferenceManager().getAccountedSize()
                        + b.getAllocatedMemory());
                assertEquals(root.getAllocatedMemory(), a.getAllocatedMemory());
                allocator.flushThreadCache();
                long inUse = allocator.stats().bytesInUse();
                assertTrue(inUse >= root.getAllocatedMemory(), inUse + " bytes of blocks for "
                        + root.getAllocatedMemory() + " accounted");
                big.close();
            }
            assertEquals(0, root.getAllocatedMemory());
        }
        FrontEnds.assertNothingInUse(allocator);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void limitOfAChild_refusesBeforeTakingABlock(String frontEnd) {
        allocator = FrontEnds.allocator(frontEnd);
        try (RootAllocator root = RtMallocAllocationManager.newRootAllocator(allocator, 1 << 20);
             BufferAllocator child = root.newChildAllocator("small", 0, 64 << 10)) {
            ArrowBuf ok = child.buffer(32 << 10);
            assertThrows(OutOfMemoryException.class, () -> child.buffer(64 << 10));
            assertThrows(OutOfMemoryException.class, () -> root.buffer(2 << 20));
            allocator.flushThreadCache();
            assertEquals(allocator.usableSize(ok.memoryAddress()), allocator.stats().bytesInUse(),
                    "a refused request takes no block");
            ok.close();
        }
        FrontEnds.assertNothingInUse(allocator);
    }
}
