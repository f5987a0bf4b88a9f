package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.spi.Providers;
import io.rtmalloc.spi.Stacks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Stacks#publish}, what the front ends' OSGi components do on activation and deactivation. */
class StacksPublishTest {

    @Test
    void withdrawRunsWhileTheAllocatorStillWorks_thenItIsClosed() {
        List<String> events = new ArrayList<>();
        AtomicReference<Allocator> published = new AtomicReference<>();
        Runnable undo = Stacks.publish(Providers.frontEnd("percpu"), Providers.centralCache(), Providers.pageHeap(),
                Config.defaults(), allocator -> {
                    published.set(allocator);
                    events.add("published");
                    return () -> {
                        long p = allocator.malloc(64); // still open while its consumers are told
                        allocator.free(p);
                        events.add("withdrawn");
                    };
                });
        Allocator a = published.get();
        long p = a.malloc(100);
        a.free(p);
        assertEquals(List.of("published"), events);
        undo.run();
        assertEquals(List.of("published", "withdrawn"), events);
        assertThrows(IllegalStateException.class, () -> a.malloc(64), "closed after the withdrawal");
    }

    @Test
    void aFailedPublication_closesTheAllocator_andPassesTheErrorOn() {
        AtomicReference<Allocator> built = new AtomicReference<>();
        IllegalStateException refused = new IllegalStateException("registry refuses");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Stacks.publish(
                Providers.frontEnd("threadcache"), Providers.centralCache(), Providers.pageHeap(), Config.defaults(),
                allocator -> {
                    built.set(allocator);
                    throw refused;
                }));
        assertSame(refused, thrown);
        assertThrows(IllegalStateException.class, () -> built.get().malloc(64), "nobody else holds it: closed");
    }

    @Test
    void aWithdrawalThatThrows_stillClosesTheAllocator() {
        AtomicReference<Allocator> built = new AtomicReference<>();
        Runnable undo = Stacks.publish(Providers.frontEnd("global"), Providers.centralCache(), Providers.pageHeap(),
                Config.defaults(), allocator -> {
                    built.set(allocator);
                    return () -> {
                        throw new IllegalStateException("already gone");
                    };
                });
        assertThrows(IllegalStateException.class, undo::run);
        assertThrows(IllegalStateException.class, () -> built.get().malloc(64));
    }
}
