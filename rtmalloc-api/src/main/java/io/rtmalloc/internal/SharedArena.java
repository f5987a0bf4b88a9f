package io.rtmalloc.internal;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A shared arena of an {@link RtAllocator} ({@link Allocator#newSharedArena()}):
 * its segments may be allocated, used and closed from any thread. Blocks come
 * from the allocating thread's cache; closing ends the JDK's shared session
 * (which the JDK makes safe against threads accessing its segments at that
 * moment) and then gives every block back.
 *
 * <p>SYNCHRONIZATION: this object's monitor guards the record and the
 * transition to closed. A segment is made under it, so no segment of a
 * closed session is ever handed out and no block recorded after the close.
 */
final class SharedArena implements Arena {

    private final RtAllocator allocator;
    private final SegmentLayer layer;
    private final Arena session = Arena.ofShared();
    private final ArenaRecord record;
    private final boolean zeroed;
    private boolean closed;

    SharedArena(RtAllocator allocator, SegmentLayer layer, boolean zeroed) {
        this.allocator = allocator;
        this.layer = layer;
        this.zeroed = zeroed;
        this.record = new ArenaRecord(session.scope(), layer.leakQueue(), true, SegmentLayer.REPORT_LEAKS);
        layer.sharedOpened(record);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        RtAllocator.checkSegmentArguments(byteSize, byteAlignment);
        long address = allocator.alignedAlloc(byteAlignment, byteSize);
        if (zeroed) {
            allocator.zero(address, byteSize);
        }
        synchronized (this) {
            if (!closed) {
                try {
                    MemorySegment s = MemorySegment.ofAddress(address).reinterpret(byteSize, session, null);
                    record.add(address);
                    return s;
                } catch (RuntimeException | Error e) {
                    allocator.free(address);
                    throw e;
                }
            }
        }
        allocator.free(address);
        throw new IllegalStateException("Already closed");
    }

    @Override
    public MemorySegment.Scope scope() {
        return session.scope();
    }

    /**
     * Ends the session (throws, changing nothing, when already closed or while
     * a native call holds one of its segments), then gives every block back.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("Already closed");
            }
            session.close();
            closed = true;
        }
        if (record.finish()) {
            for (int i = 0, n = record.count(); i < n; i++) {
                allocator.free(record.block(i));
            }
        }
        layer.sharedClosed(record);
    }

    @Override
    public String toString() {
        return "SharedArena[" + allocator + "]";
    }
}
