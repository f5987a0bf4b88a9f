package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The release thread shared by all allocators: it runs while one needs it, and holds none of them. */
class BackgroundReleaseTest {

    private static final Config SHORT_DECAY = Config.defaults().toBuilder().releaseDecayMs(100).build();

    private static boolean releaseThreadRuns() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("rtmalloc-release") && t.isDaemon());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anAllocatorThatReleases_hasTheDaemonThread_andAClosedOneIsLeftAlone() throws InterruptedException {
        Allocator a = RtMalloc.builder().frontEnd("global").config(SHORT_DECAY).build();
        assertTrue(releaseThreadRuns());
        long p = a.malloc(500_000);
        a.free(p);
        while (a.stats().release().decayBytes() == 0) {
            Thread.sleep(10);
        }
        a.close(); // waits for a release that runs, and no later one touches the allocator
        Thread.sleep(300);
        Allocator b = RtMalloc.builder().frontEnd("global").config(SHORT_DECAY).build();
        b.free(b.malloc(100));
        b.close();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void anAbandonedAllocator_canBeCollected() throws InterruptedException {
        WeakReference<Allocator> ref = abandon();
        for (int i = 0; i < 100 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(ref.get(), "the release thread must hold an allocator only weakly");
    }

    private static WeakReference<Allocator> abandon() {
        Allocator a = RtMalloc.builder().frontEnd("global").config(SHORT_DECAY).build();
        a.free(a.malloc(1000));
        return new WeakReference<>(a);
    }

    @Test
    void releaseOff_startsNoTask_andKeepsFreePagesResident() throws InterruptedException {
        Config off = Config.defaults().toBuilder().backgroundReleaseOff().build();
        Allocator a = RtMalloc.builder().frontEnd("global").config(off).build();
        try {
            long p = a.malloc(64L << 20);
            Smaps.touch(p, 64L << 20);
            a.free(p);
            Thread.sleep(200);
            assertEquals(64L << 20, a.stats().pageHeapFreeBytes(), "no release by itself");
            assertEquals(0, a.stats().bytesReleasedTotal());
        } finally {
            a.close();
        }
    }
}
