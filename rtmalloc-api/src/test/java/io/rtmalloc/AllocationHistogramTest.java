package io.rtmalloc;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AllocationHistogramTest {

    @Test
    void record_countsPer8ByteBucket_andOverflow() {
        AllocationHistogram h = new AllocationHistogram();
        for (long size : new long[] {0, 1, 8, 9, 16, 4095, 4096, 4097, 1 << 20}) {
            h.record(size);
        }
        AllocationHistogram.Snapshot s = h.snapshot();
        long[] b = s.buckets();
        assertEquals(1, b[0]);
        assertEquals(2, b[1], "1 and 8 bytes");
        assertEquals(2, b[2], "9 and 16 bytes");
        assertEquals(2, b[512], "4095 and 4096 bytes");
        assertEquals(2, s.overflow());
        assertEquals(7, s.total());
        h.reset();
        assertEquals(0, h.snapshot().total());
    }

    @Test
    void record_fromManyThreads_losesNothing() throws Exception {
        AllocationHistogram h = new AllocationHistogram();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        h.record(64);
                    }
                    done.countDown();
                });
            }
            done.await();
        }
        assertEquals(800_000, h.snapshot().buckets()[8]);
    }
}
