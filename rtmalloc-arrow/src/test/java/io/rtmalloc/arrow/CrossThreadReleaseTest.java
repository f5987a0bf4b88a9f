package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.testsupport.FrontEnds;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Buffers and vectors made on one thread and released on another, the way a
 * pipeline hands Arrow batches from a producer to a consumer: the contents
 * arrive intact and every block is freed.
 */
@Timeout(60)
class CrossThreadReleaseTest {

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
    void buffersMadeOnProducers_areReleasedByConsumers(String frontEnd) throws Exception {
        allocator = FrontEnds.allocator(frontEnd);
        int producers = 2;
        int perProducer = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(producers + 1);
        try (RootAllocator root = RtMallocAllocationManager.newRootAllocator(allocator, Long.MAX_VALUE)) {
            BlockingQueue<ArrowBuf> queue = new ArrayBlockingQueue<>(256);
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        long size = 16 + (i * 37L + id * 101L) % 20_000; // the last byte apart from the long
                        ArrowBuf buf = root.buffer(size);
                        buf.setLong(0, size);
                        buf.setByte(size - 1, (byte) size);
                        queue.put(buf);
                    }
                    return null;
                }));
            }
            Future<Integer> consumer = pool.submit(() -> {
                int seen = 0;
                for (int i = 0; i < producers * perProducer; i++) {
                    ArrowBuf buf = queue.poll(30, TimeUnit.SECONDS);
                    long size = buf.getLong(0);
                    assertEquals((byte) size, buf.getByte(size - 1));
                    buf.close();
                    seen++;
                }
                return seen;
            });
            // The consumer first: should it fail, the producers would wait on a full queue.
            assertEquals(producers * perProducer, consumer.get(30, TimeUnit.SECONDS));
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(0, root.getAllocatedMemory());
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        FrontEnds.assertNothingInUse(allocator);
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void vectorBuiltOnOneThread_isClosedOnAnother(String frontEnd) throws Exception {
        allocator = FrontEnds.allocator(frontEnd);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (RootAllocator root = RtMallocAllocationManager.newRootAllocator(allocator, Long.MAX_VALUE)) {
            IntVector v = pool.submit(() -> {
                IntVector made = new IntVector("ints", root);
                for (int i = 0; i < 50_000; i++) {
                    made.setSafe(i, i);
                }
                made.setValueCount(50_000);
                return made;
            }).get(30, TimeUnit.SECONDS);
            long sum = 0;
            for (int i = 0; i < v.getValueCount(); i++) {
                sum += v.get(i);
            }
            assertEquals(50_000L * 49_999 / 2, sum);
            v.close();
            assertEquals(0, root.getAllocatedMemory());
        } finally {
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        FrontEnds.assertNothingInUse(allocator);
    }
}
