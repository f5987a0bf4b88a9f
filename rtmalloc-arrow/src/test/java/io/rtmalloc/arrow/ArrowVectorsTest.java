package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.testsupport.FrontEnds;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.util.TransferPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real Arrow vectors over a root allocator built with Arrow's configuration
 * API on the rtmalloc manager, over every front end: their buffers are rtmalloc
 * blocks, they grow, slice and move between allocators, and once everything
 * is closed no block is left in use.
 */
class ArrowVectorsTest {

    private Allocator allocator;

    static java.util.stream.Stream<String> frontEnds() {
        return FrontEnds.names();
    }

    private RootAllocator root(String frontEnd) {
        allocator = FrontEnds.allocator(frontEnd);
        return RtMallocAllocationManager.newRootAllocator(allocator, Long.MAX_VALUE);
    }

    @AfterEach
    void close() {
        if (allocator != null) {
            allocator.close();
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void intVector_allocatesInRtMalloc_growsWithSetSafe_andFreesOnClose(String frontEnd) {
        try (RootAllocator root = root(frontEnd); IntVector v = new IntVector("ints", root)) {
            v.allocateNew(16);
            // Arrow takes one buffer for data and validity and slices it: data comes first.
            ArrowBuf data = v.getDataBuffer();
            assertTrue(allocator.usableSize(data.memoryAddress()) >= root.getAllocatedMemory(),
                    "the vector's memory is one rtmalloc block");
            int initialCapacity = v.getValueCapacity();
            int n = 100_000;
            for (int i = 0; i < n; i++) {
                v.setSafe(i, i * 31);
            }
            v.setValueCount(n);
            assertTrue(v.getValueCapacity() >= n && v.getValueCapacity() > initialCapacity);
            assertTrue(allocator.stats().bytesInUse() >= 4L * n, "the grown buffers are rtmalloc blocks");
            for (int i = 0; i < n; i++) {
                assertEquals(i * 31, v.get(i), "value " + i + " survived the growth");
            }
            assertTrue(root.getAllocatedMemory() >= 4L * n + n / 8, "Arrow accounts for the grown vector");
        }
        FrontEnds.assertNothingInUse(allocator);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void varCharVector_keepsItsValuesThroughGrowth(String frontEnd) {
        try (RootAllocator root = root(frontEnd); VarCharVector v = new VarCharVector("strings", root)) {
            v.allocateNew(64, 4);
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                v.setSafe(i, ("value-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8));
            }
            v.setValueCount(n);
            for (int i = 0; i < n; i++) {
                assertEquals("value-" + i + "-" + "x".repeat(i % 97), new String(v.get(i), StandardCharsets.UTF_8));
            }
        }
        FrontEnds.assertNothingInUse(allocator);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void slice_sharesTheBlock_whichIsFreedWithTheLastReference(String frontEnd) {
        try (RootAllocator root = root(frontEnd)) {
            ArrowBuf buf = root.buffer(4096);
            for (int i = 0; i < 1024; i++) {
                buf.setInt(4L * i, i);
            }
            ArrowBuf slice = buf.slice(1024, 1024);
            assertEquals(buf.memoryAddress() + 1024, slice.memoryAddress());
            assertEquals(256, slice.getInt(0));
            slice.getReferenceManager().retain();   // the slice's own reference
            buf.close();                           // the original's reference is gone, the slice's is not
            assertEquals(4096, root.getAllocatedMemory());
            assertEquals(300, slice.getInt(4L * 44), "the block is still there");
            slice.close();
            assertEquals(0, root.getAllocatedMemory());
        }
        FrontEnds.assertNothingInUse(allocator);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void transferTo_anotherAllocator_movesTheAccountNotTheMemory(String frontEnd) {
        try (RootAllocator root = root(frontEnd);
             BufferAllocator from = root.newChildAllocator("from", 0, Long.MAX_VALUE);
             BufferAllocator to = root.newChildAllocator("to", 0, Long.MAX_VALUE)) {
            IntVector source = new IntVector("source", from);
            source.allocateNew(1000);
            for (int i = 0; i < 1000; i++) {
                source.set(i, -i);
            }
            source.setValueCount(1000);
            long address = source.getDataBuffer().memoryAddress();
            long accounted = from.getAllocatedMemory();
            assertNotEquals(0, accounted);

            TransferPair pair = source.getTransferPair(to);
            pair.transfer();
            IntVector target = (IntVector) pair.getTo();
            assertEquals(address, target.getDataBuffer().memoryAddress(), "the same block");
            assertEquals(0, from.getAllocatedMemory());
            assertEquals(accounted, to.getAllocatedMemory());
            for (int i = 0; i < 1000; i++) {
                assertEquals(-i, target.get(i));
            }
            source.close();
            target.close();
            assertEquals(0, to.getAllocatedMemory());
        }
        FrontEnds.assertNothingInUse(allocator);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void splitAndTransfer_sliceOfAVectorOutlivesIt(String frontEnd) {
        try (RootAllocator root = root(frontEnd);
             BufferAllocator other = root.newChildAllocator("other", 0, Long.MAX_VALUE)) {
            byte[][] values = new byte[500][];
            try (VarCharVector source = new VarCharVector("source", root)) {
                source.allocateNew();
                for (int i = 0; i < values.length; i++) {
                    values[i] = ("v" + i).getBytes(StandardCharsets.UTF_8);
                    source.setSafe(i, values[i]);
                }
                source.setValueCount(values.length);
                TransferPair pair = source.getTransferPair(other);
                pair.splitAndTransfer(100, 300);
                try (VarCharVector part = (VarCharVector) pair.getTo()) {
                    source.close();
                    for (int i = 0; i < 300; i++) {
                        assertArrayEquals(values[100 + i], part.get(i));
                    }
                }
            }
            assertEquals(0, other.getAllocatedMemory());
        }
        FrontEnds.assertNothingInUse(allocator);
    }
}
