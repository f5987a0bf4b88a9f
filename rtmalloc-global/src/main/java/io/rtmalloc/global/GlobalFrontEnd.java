package io.rtmalloc.global;

import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEnd;

/**
 * The global front end: no cache of its own. Every small block comes from and
 * goes straight back to the transfer cache of its class (one lock per class),
 * so no memory waits in front-end caches and any thread reuses at once what
 * any other freed.
 */
final class GlobalFrontEnd implements FrontEnd, FrontEnd.Cache {

    static final String NAME = "global";

    private final CentralCache central;

    /**
     * Turns off the spin of the central tier's locks, which every call of this
     * front end takes: see {@link io.rtmalloc.spi.TierLock}.
     */
    GlobalFrontEnd(CentralCache central) {
        this.central = central;
        central.spinWhenHeld(false);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long allocate(int sizeClass) {
        return central.allocate(sizeClass);
    }

    @Override
    public void free(int sizeClass, long block) {
        central.free(sizeClass, block);
    }

    /** Itself: there is no per-thread state to hold in hand. */
    @Override
    public Cache cache() {
        return this;
    }

    @Override
    public void flushCurrentThread() {
    }

    @Override
    public void drain() {
    }

    /** No caches: every block is in the central cache or in use. */
    @Override
    public void forgetAll() {
    }

    @Override
    public long[] cachedBlocks() {
        return new long[0];
    }

    @Override
    public void checkInvariants() {
    }
}
