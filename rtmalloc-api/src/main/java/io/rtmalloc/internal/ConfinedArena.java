package io.rtmalloc.internal;

import io.rtmalloc.spi.FrontEnd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A confined arena of an {@link RtAllocator} ({@link Allocator#newArena()}):
 * bound to the thread that opened it, it takes blocks from that thread's
 * front-end cache, held in hand (no lookup), records them itself (no
 * cleanup action per segment) and, at close, ends its JDK session (every
 * segment's access throws from then on) and gives the blocks back in one
 * pass. Access from another thread throws {@link WrongThreadException}, as
 * with {@link Arena#ofConfined()}.
 */
final class ConfinedArena implements Arena {

    private final RtAllocator allocator;
    private final ThreadSegments thread;
    private final FrontEnd.Cache cache;
    private final Arena session = Arena.ofConfined();
    private final Thread owner = Thread.currentThread();
    /**
     * Where the blocks are recorded when the arena is tracked for leaks (a
     * phantom reference to the session, linked in the thread's list); null
     * for an untracked arena, which records them in the fields below. An
     * untracked arena, its session and its segments are then referenced from
     * nowhere but the caller, so that C2 can keep a scoped arena out of the
     * heap altogether.
     */
    private final ArenaRecord record;
    private final boolean zeroed;
    private boolean closed;
    private long first;
    private long[] more;
    private int count;

    /** An untracked arena. */
    ConfinedArena(RtAllocator allocator, ThreadSegments thread, FrontEnd.Cache cache, boolean zeroed) {
        this.allocator = allocator;
        this.thread = thread;
        this.cache = cache;
        this.zeroed = zeroed;
        this.record = null;
        thread.openArenas++;
    }

    /** A tracked arena: its blocks go to a record that {@code leaks} receives if it is never closed. */
    ConfinedArena(RtAllocator allocator, ThreadSegments thread, FrontEnd.Cache cache, boolean zeroed,
                  java.lang.ref.ReferenceQueue<MemorySegment.Scope> leaks) {
        this.allocator = allocator;
        this.thread = thread;
        this.cache = cache;
        this.zeroed = zeroed;
        this.record = new ArenaRecord(session.scope(), leaks, false, SegmentLayer.REPORT_LEAKS);
        thread.link(record);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("this arena is confined to " + owner);
        }
        if (closed) {
            throw new IllegalStateException("Already closed");
        }
        long address = allocator.arenaBlock(byteSize, byteAlignment, cache);
        if (record != null) {
            record.add(address);
        } else if (count++ == 0) {
            first = address;
        } else {
            if (more == null) {
                more = new long[8];
            } else if (count - 1 > more.length) {
                more = java.util.Arrays.copyOf(more, more.length * 2);
            }
            more[count - 2] = address;
        }
        if (zeroed) {
            allocator.zero(address, byteSize);
        }
        return MemorySegment.ofAddress(address).reinterpret(byteSize, session, null);
    }

    @Override
    public MemorySegment.Scope scope() {
        return session.scope();
    }

    /**
     * Ends the session (throws, changing nothing, from another thread or when
     * already closed), then gives every block back to this thread's cache.
     */
    @Override
    public void close() {
        session.close();
        closed = true;
        if (record == null) {
            for (int i = 0; i < count; i++) {
                allocator.free(i == 0 ? first : more[i - 1], cache);
            }
            thread.openArenas--;
            return;
        }
        if (record.finishByOwner()) {
            for (int i = 0, n = record.count(); i < n; i++) {
                allocator.free(record.block(i), cache);
            }
        }
        thread.unlink(record);
    }

    @Override
    public String toString() {
        return "ConfinedArena[" + allocator + ", " + (record != null ? record.count() : count) + " blocks]";
    }
}
