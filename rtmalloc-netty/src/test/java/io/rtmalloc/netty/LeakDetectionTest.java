package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Netty's {@code ResourceLeakDetector} at its paranoid level (set by the
 * surefire execution that runs this class, in a JVM of its own) over this
 * allocator's buffers: a buffer dropped without {@code release()} is reported,
 * with the hint it was touched with, and a released one is not.
 *
 * <p>The detector Netty's buffers use is made once, when Netty's buffer
 * classes load; this class installs a factory of detectors that record their
 * reports before that happens (its static initializer runs first in this JVM).
 */
@Timeout(60)
class LeakDetectionTest {

    /** The leak reports: each detector's records, which hold the hints the buffers were touched with. */
    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();
    /** Whether Netty made its buffers' detector with the factory below (it had not loaded them yet). */
    private static volatile boolean installed;

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                       long maxActive) {
                installed = true;
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected boolean needReport() {
                        return true;
                    }

                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        REPORTS.add(resourceType + ": " + records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        REPORTS.add(resourceType + ": untraced");
                    }
                };
            }
        });
    }

    @Test
    void droppedBuffer_isReported_releasedOneIsNot() throws Exception {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID); // as -Dio.netty.leakDetection.level=paranoid
        Allocator allocator = RtMalloc.builder().build();
        RtMallocByteBufAllocator netty = new RtMallocByteBufAllocator(allocator);
        netty.directBuffer(1).release();
        try {
            assumeTrue(installed, "Netty's buffer classes were loaded before this test: run it in a JVM of its own"
                    + " (the leak-detection execution of the build)");
            releaseOne(netty);
            dropOne(netty);
            // The detector reports what the collector found when the next buffer is tracked.
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (REPORTS.stream().noneMatch(r -> r.contains("dropped-buffer"))
                    && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
                netty.directBuffer(8).release();
            }
            assertTrue(REPORTS.stream().anyMatch(r -> r.contains("dropped-buffer")),
                    "the dropped buffer is reported: " + REPORTS);
            assertFalse(REPORTS.stream().anyMatch(r -> r.contains("released-buffer")),
                    "the released buffer is not: " + REPORTS);
            assertTrue(netty.metric().usedDirectMemory() >= 100,
                    "as with Netty's pooled buffers, a leaked buffer's memory stays allocated");
        } finally {
            allocator.close(); // returns the leaked block to the OS with the rest
        }
    }

    private static void releaseOne(RtMallocByteBufAllocator netty) {
        ByteBuf b = netty.directBuffer(64);
        assertFalse(b.getClass().getName().startsWith("io.rtmalloc"), "paranoid: every buffer is tracked");
        b.touch("released-buffer");
        b.writeLong(1);
        assertTrue(b.release());
    }

    private static void dropOne(RtMallocByteBufAllocator netty) {
        ByteBuf b = netty.directBuffer(100);
        b.touch("dropped-buffer");
        b.writeLong(2);
    }
}
