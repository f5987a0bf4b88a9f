package io.rtmalloc.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checked mode's record of the blocks an allocator has handed out and not
 * taken back, so that every double free, every free of a block that was never
 * handed out and every use of a freed block by {@code realloc} or
 * {@code usableSize} is an {@link IllegalArgumentException}, however the free
 * lists look. Default mode catches a double free only when the block meets
 * itself at the head of the list it joins; this catches all of them.
 *
 * <p>With {@code -Drtmalloc.checked.stacks=true} it also keeps the stack of
 * each allocation and of the last {@link #RECENT_FREES} frees, and a double
 * free reports where the block was allocated and where it was first freed, as
 * AddressSanitizer does. A stack costs a {@link Throwable} per call: for
 * debugging only.
 *
 * <p>Only {@link RtAllocator} makes one, and only when
 * {@link io.rtmalloc.spi.Switches#CHECKED} is on; its calls sit behind that
 * {@code static final} switch, so default mode does not pay for them.
 */
final class CheckedBlocks {

    /** Whether allocation and free stacks are kept ({@code rtmalloc.checked.stacks}). */
    static final boolean STACKS = Boolean.getBoolean("rtmalloc.checked.stacks");

    /** Frees remembered, to tell a double free from a free of an address never handed out. */
    static final int RECENT_FREES = 1 << 16;

    /** A block handed out: its requested size and, with {@link #STACKS}, where. */
    private record Live(long size, Throwable allocatedAt) {
    }

    /** A block taken back: where it was allocated and freed (with {@link #STACKS}). */
    private record Freed(Throwable allocatedAt, Throwable freedAt) {
    }

    private final ConcurrentHashMap<Long, Live> live = new ConcurrentHashMap<>();
    private final Map<Long, Freed> recent = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Freed> eldest) {
            return size() > RECENT_FREES;
        }
    };

    /** Records a block just handed out (0 is ignored). */
    void allocated(long address, long size) {
        if (address == 0) {
            return;
        }
        Live previous = live.put(address, new Live(size, STACKS ? new Throwable("allocated here") : null));
        if (previous != null) {
            throw new IllegalStateException("rtmalloc: 0x" + Long.toHexString(address)
                    + " handed out while it was still live (the free lists were damaged by a double free or a"
                    + " write to a freed block)", previous.allocatedAt());
        }
        synchronized (recent) {
            recent.remove(address);
        }
    }

    /** A block realloc kept in place now holds {@code size} bytes. */
    void resized(long address, long size) {
        live.computeIfPresent(address, (a, l) -> new Live(size, l.allocatedAt()));
    }

    /**
     * Checks that {@code address} is live without changing anything.
     *
     * @throws IllegalArgumentException naming the double free, or the address never handed out
     */
    void checkLive(long address, String call) {
        if (!live.containsKey(address)) {
            throw notLive(address, call);
        }
    }

    /**
     * Takes {@code address} back (0 is ignored).
     *
     * @throws IllegalArgumentException when it is not live: a double free or an address never handed out
     */
    void freeing(long address) {
        if (address == 0) {
            return;
        }
        Live l = live.remove(address);
        if (l == null) {
            throw notLive(address, "free");
        }
        synchronized (recent) {
            recent.put(address, new Freed(l.allocatedAt(),
                    STACKS ? new Throwable("first freed here", l.allocatedAt()) : null));
        }
    }

    /** Blocks live now. */
    int liveBlocks() {
        return live.size();
    }

    private IllegalArgumentException notLive(long address, String call) {
        Freed f;
        synchronized (recent) {
            f = recent.get(address);
        }
        String hex = "0x" + Long.toHexString(address);
        if (f == null) {
            return new IllegalArgumentException(call + " of " + hex + ": not a block this allocator handed out"
                    + " (or freed long ago)");
        }
        IllegalArgumentException e = new IllegalArgumentException(call + " of " + hex + ", which was already freed"
                + (call.equals("free") ? " (double free)" : " (use after free)")
                + (STACKS ? "; the causes show where it was allocated and where first freed"
                        : "; run with -Drtmalloc.checked.stacks=true to see where it was allocated and freed"));
        if (f.freedAt() != null) {
            e.initCause(f.freedAt()); // whose cause is the allocation
        }
        return e;
    }
}
