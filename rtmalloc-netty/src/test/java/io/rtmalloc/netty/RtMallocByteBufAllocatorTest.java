package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.CompositeByteBuf;
import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.FrontEnds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator's direct buffers over every front end: they are rtmalloc
 * blocks, grow and shrink with {@code capacity(n)} keeping their contents,
 * combine into composite buffers, may be released on any thread, and leave no
 * block in use once released. The surefire executions run it with Netty
 * allowed the JDK's internal unsafe memory access and without, and the buffers are the same
 * safe ones either way.
 */
@Timeout(60)
class RtMallocByteBufAllocatorTest {

    private Allocator allocator;
    private RtMallocByteBufAllocator netty;

    static Stream<String> frontEnds() {
        return FrontEnds.names();
    }

    private RtMallocByteBufAllocator make(String frontEnd) {
        allocator = FrontEnds.allocator(frontEnd);
        netty = new RtMallocByteBufAllocator(allocator);
        return netty;
    }

    @AfterEach
    void close() {
        if (allocator != null) {
            assertEquals(0, netty.metric().usedDirectMemory(), "usedDirectMemory");
            FrontEnds.assertNothingInUse(allocator);
            allocator.close();
        }
    }

    private static void fill(ByteBuf b, int n, int seed) {
        for (int i = 0; i < n; i++) {
            b.writeByte((byte) (i * 31 + seed));
        }
    }

    private static void check(ByteBuf b, int n, int seed) {
        for (int i = 0; i < n; i++) {
            assertEquals((byte) (i * 31 + seed), b.getByte(b.readerIndex() + i), "byte " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void directBuffer_isAnRtMallocBlock_freedOnTheLastRelease(String frontEnd) {
        RtMallocByteBufAllocator alloc = make(frontEnd);
        ByteBuf b = alloc.directBuffer(1000);
        assertTrue(b.isDirect());
        assertSame(alloc, b.alloc());
        assertEquals(1000, b.capacity());
        assertEquals(0, b.readerIndex());
        assertEquals(0, b.writerIndex(), "a new buffer is empty");
        long address = MemorySegments.address(b);
        assertTrue(allocator.usableSize(address) >= 1000, "the buffer's memory is an rtmalloc block");
        assertEquals(allocator.usableSize(address), alloc.metric().usedDirectMemory(), "its block, in use");
        fill(b, 1000, 1);
        check(b, 1000, 1);

        b.retain();
        assertFalse(b.release(), "one reference left");
        assertEquals(allocator.usableSize(address), alloc.metric().usedDirectMemory());
        assertTrue(b.release());
        assertEquals(0, alloc.metric().usedDirectMemory());
        assertThrows(RuntimeException.class, () -> b.getByte(0), "a released buffer refuses access");
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void capacity_growsAndShrinks_movingTheContentsToNewBlocks(String frontEnd) {
        RtMallocByteBufAllocator alloc = make(frontEnd);
        ByteBuf b = alloc.directBuffer(16, 4 << 20);
        fill(b, 16, 7);
        int written = 16;
        for (int cap : new int[] {100, 4096, 70_000, 300_000, 3 << 20}) {
            b.capacity(cap);
            assertEquals(cap, b.capacity());
            assertEquals(allocator.usableSize(MemorySegments.address(b)), alloc.metric().usedDirectMemory(),
                    "the old block was freed when the contents moved");
            check(b, written, 7);
            while (b.writerIndex() < cap / 2) {
                b.writeByte((byte) (written++ * 31 + 7));
            }
        }
        b.capacity(1000); // shrink: keeps the first 1000 bytes
        assertEquals(1000, b.capacity());
        assertEquals(1000, b.writerIndex());
        check(b, 1000, 7);
        long address = MemorySegments.address(b);
        b.capacity(1000); // the same size: nothing moves
        assertEquals(address, MemorySegments.address(b));
        assertEquals(allocator.usableSize(address), alloc.metric().usedDirectMemory());
        b.release();
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void writesBeyondTheCapacity_growTheBuffer(String frontEnd) {
        RtMallocByteBufAllocator alloc = make(frontEnd);
        ByteBuf b = alloc.directBuffer(0);
        byte[] text = "rtmalloc blocks under Netty buffers ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 5000; i++) {
            b.writeBytes(text);
        }
        assertEquals(5000 * text.length, b.readableBytes());
        for (int i = 0; i < 5000; i++) {
            assertEquals(text[i % text.length], b.getByte(i * text.length + i % text.length));
        }
        ByteBuf copy = b.copy(); // through alloc().directBuffer: an rtmalloc block too
        assertSame(alloc, copy.alloc());
        assertEquals(b, copy);
        b.release();
        copy.release();
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void compositeBuffer_ofSeveral_readsAcross_andFreesThemAll(String frontEnd) {
        RtMallocByteBufAllocator alloc = make(frontEnd);
        CompositeByteBuf composite = alloc.compositeDirectBuffer(16);
        int total = 0;
        for (int size : new int[] {1, 64, 1000, 5000, 70_000}) {
            ByteBuf part = alloc.directBuffer(size);
            fill(part, size, total);
            total += size;
            composite.addComponent(true, part);
        }
        assertEquals(5, composite.numComponents());
        assertEquals(total, composite.readableBytes());
        assertTrue(alloc.metric().usedDirectMemory() >= total);
        // Each part's bytes, read through the composite, across the parts' boundaries.
        int at = 0;
        for (int size : new int[] {1, 64, 1000, 5000, 70_000}) {
            for (int i = 0; i < size; i += 7) {
                assertEquals((byte) (i * 31 + at), composite.getByte(at + i));
            }
            at += size;
        }
        ByteBuffer[] nio = composite.nioBuffers();
        assertEquals(5, nio.length);
        for (ByteBuffer n : nio) {
            assertTrue(n.isDirect());
        }
        composite.consolidate(); // one new block holds it all; the parts are released
        assertEquals(1, composite.numComponents());
        assertEquals((byte) (999 * 31 + 65), composite.getByte(65 + 999));
        composite.release();
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void buffersReleasedOnAnotherThread_areFreed(String frontEnd) throws Exception {
        RtMallocByteBufAllocator alloc = make(frontEnd);
        BlockingQueue<ByteBuf> queue = new ArrayBlockingQueue<>(128);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> producers = new ArrayList<>();
            int perProducer = 5_000;
            for (int p = 0; p < 2; p++) {
                int id = p;
                producers.add(pool.submit(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        int size = 8 + (i * 53 + id * 7) % 20_000; // the last byte apart from the int
                        ByteBuf b = alloc.directBuffer(size);
                        b.writeInt(size);
                        b.writerIndex(size - 1);
                        b.writeByte((byte) size);
                        if (i % 10 == 0) {
                            b.capacity(size + 100); // a grown buffer, too
                        }
                        queue.put(b);
                    }
                    return null;
                }));
            }
            Future<Integer> consumer = pool.submit(() -> {
                int n = 0;
                for (int i = 0; i < 2 * perProducer; i++) {
                    ByteBuf b = queue.poll(30, TimeUnit.SECONDS);
                    int size = b.getInt(0);
                    assertEquals((byte) size, b.getByte(size - 1));
                    assertTrue(b.release());
                    n++;
                }
                return n;
            });
            // The consumer first: should it fail, the producers would wait on a full queue.
            assertEquals(2 * perProducer, consumer.get(30, TimeUnit.SECONDS));
            for (Future<?> f : producers) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void heapBuffers_areNettysUnpooledOnes_countedAsHeap(String frontEnd) {
        RtMallocByteBufAllocator alloc = make(frontEnd);
        ByteBuf h = alloc.heapBuffer(100);
        assertFalse(h.isDirect());
        assertTrue(h.hasArray());
        assertSame(alloc, h.alloc());
        assertEquals(100, alloc.metric().usedHeapMemory());
        h.capacity(1000);
        assertEquals(1000, alloc.metric().usedHeapMemory());
        assertEquals(0, alloc.metric().usedDirectMemory());
        h.release();
        assertEquals(0, alloc.metric().usedHeapMemory());
    }

    @Test
    void bufferAndIoBuffer_areDirect_unlessHeapIsPreferred() {
        allocator = RtMalloc.builder().build();
        netty = new RtMallocByteBufAllocator(allocator, true, true);
        ByteBuf a = netty.buffer();
        ByteBuf b = netty.buffer(10);
        ByteBuf c = netty.ioBuffer(10);
        assertTrue(a.isDirect() && b.isDirect() && c.isDirect());
        assertTrue(netty.isDirectBufferPooled());
        assertInstanceOf(ByteBufAllocatorMetricProvider.class, netty);
        // Netty's safe direct buffer, whether Netty may use the JDK's internal unsafe memory access or not.
        assertEquals(RtMallocDirectByteBuf.class, a.getClass());
        a.release();
        b.release();
        c.release();
        RtMallocByteBufAllocator heap = new RtMallocByteBufAllocator(allocator, false, true);
        ByteBuf d = heap.buffer(10);
        assertFalse(d.isDirect());
        d.release();
        assertEquals(0, heap.metric().usedDirectMemory());
    }

    @Test
    void global_isOverTheProcessWideAllocator() {
        assertSame(RtMalloc.global(), RtMallocByteBufAllocator.global().allocator());
        ByteBuf b = RtMallocByteBufAllocator.global().directBuffer(64);
        assertTrue(RtMalloc.global().usableSize(MemorySegments.address(b)) >= 64);
        b.release();
        assertThrows(NullPointerException.class, () -> new RtMallocByteBufAllocator(null));
    }
}
