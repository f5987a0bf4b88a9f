package io.rtmalloc.examples;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Builds an allocator with the front end named by the first argument
 * ({@code global}, {@code threadcache} or {@code percpu}; {@code threadcache}
 * when there is none), allocates, writes, reads back and frees, then closes
 * it. It calls no restricted method itself: only the
 * rtmalloc modules that map memory need native access.
 */
public final class ChooseFrontEnd {

    private ChooseFrontEnd() {
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "threadcache";
        System.out.println("front ends found: " + RtMalloc.frontEnds());
        try (Allocator a = RtMalloc.builder().frontEnd(name).build()) {
            long p = a.malloc(64);                       // a raw address, like malloc
            long usable = a.usableSize(p);
            a.free(p);

            MemorySegment s = a.allocate(ValueLayout.JAVA_LONG, 8);   // a bounds-checked segment
            for (int i = 0; i < 8; i++) {
                s.setAtIndex(ValueLayout.JAVA_LONG, i, i * 1000L);
            }
            long sum = 0;
            for (int i = 0; i < 8; i++) {
                sum += s.getAtIndex(ValueLayout.JAVA_LONG, i);
            }
            a.free(s);

            try (Arena arena = a.newArena()) {           // confined; closing frees its segments
                MemorySegment text = arena.allocateFrom("hello from " + a.frontEnd());
                System.out.println(text.getString(0));
            }
            System.out.println(a.frontEnd() + ": malloc(64) gave " + usable + " usable bytes; wrote and read back "
                    + "8 longs, sum " + sum);
        }                                                // close(): every page goes back to the OS
    }
}
