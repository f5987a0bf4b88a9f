package io.rtmalloc.netty;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The per-thread views of blocks: reused only for the same block at the same size, and reset each time. */
class BlockViewsTest {

    private final Allocator allocator = RtMalloc.builder().build();

    @AfterEach
    void close() {
        allocator.close();
    }

    @Test
    void sameBlockAndSize_getsTheSameView_reset() {
        long a = allocator.malloc(64);
        ByteBuffer v = BlockViews.of(a, 64);
        assertEquals(a, MemorySegment.ofBuffer(v).address());
        assertEquals(64, v.capacity());
        assertEquals(ByteOrder.BIG_ENDIAN, v.order());
        v.position(10).limit(20);
        ByteBuffer again = BlockViews.of(a, 64);
        assertSame(v, again);
        assertEquals(0, again.position());
        assertEquals(64, again.limit());
        allocator.free(a, 64);
    }

    @Test
    void anotherSizeOrBlock_getsAViewOfItsOwn() {
        long a = allocator.malloc(64);
        ByteBuffer v = BlockViews.of(a, 64);
        ByteBuffer smaller = BlockViews.of(a, 32);
        assertNotSame(v, smaller);
        assertEquals(32, smaller.capacity(), "never wider than the size asked for");
        long b = allocator.malloc(64);
        ByteBuffer other = BlockViews.of(b, 64);
        assertNotSame(smaller, other);
        assertEquals(b, MemorySegment.ofBuffer(other).address());
        allocator.free(a, 64);
        allocator.free(b, 64);
    }

    @Test
    void virtualThreads_keepNoViews() throws InterruptedException {
        long a = allocator.malloc(64);
        AtomicReference<ByteBuffer> first = new AtomicReference<>();
        AtomicReference<ByteBuffer> second = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            first.set(BlockViews.of(a, 64));
            second.set(BlockViews.of(a, 64));
        }).join();
        assertNotSame(first.get(), second.get());
        assertEquals(a, MemorySegment.ofBuffer(second.get()).address());
        allocator.free(a, 64);
    }
}
