package io.rtmalloc.global;

import io.rtmalloc.Config;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.FrontEndSupport;

/**
 * The allocator of the global front end: small blocks straight from the
 * central cache's transfer caches, large ones as whole spans.
 */
final class GlobalAllocator extends FrontEndSupport {

    static final String NAME = "global";

    GlobalAllocator(Config config, CentralCache central) {
        super(NAME, config, central);
    }

    @Override
    public long malloc(long size) {
        if (size < 0) {
            throw negativeSize(size);
        }
        if (size <= maxSmall) {
            int cl = classes.classOf(size);
            countMalloc(size, cl);
            return central.allocate(cl);
        }
        return mallocLarge(size);
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        int cl = blockClass(address);
        if (cl != 0) {
            freeSmall(cl, address);
        } else {
            freeLarge(address);
        }
    }

    @Override
    protected void freeSmall(int cl, long address) {
        countFree(cl);
        central.free(cl, address);
    }

    /** No caches: every block is in the central cache or in use. */
    @Override
    protected void closeCaches() {
    }

    @Override
    protected long[] frontEndCachedBlocks() {
        return new long[0];
    }
}
