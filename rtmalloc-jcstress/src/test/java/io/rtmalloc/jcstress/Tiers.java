package io.rtmalloc.jcstress;

import io.rtmalloc.Config;
import io.rtmalloc.SizeClasses;
import io.rtmalloc.central.PerClassCentralCacheProvider;
import io.rtmalloc.pageheap.MmapPageHeapProvider;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.PageHeap;

/**
 * The real native tiers the protocol tests share: one page heap and one
 * central cache for the whole test JVM, made through their providers. Every
 * block a test uses comes from here (or from a central free list of its own
 * over {@link #HEAP}) and goes back here.
 *
 * <p>Two size classes keep the caches the tests make small: 64 bytes
 * ({@link #SMALL}) and 1 KiB ({@link #LARGE}), a batch of 4 each. Nothing is
 * released in the background.
 */
public final class Tiers {

    /** The 64-byte class. */
    public static final int SMALL = 1;
    /** The 1 KiB class. */
    public static final int LARGE = 2;

    public static final Config CONFIG = Config.builder()
            .clearClasses()
            .addClass(64, 1, 4)
            .addClass(1024, 1, 4)
            .addressSpace(1L << 30)
            .backgroundReleaseOff()
            .build();

    public static final SizeClasses CLASSES = CONFIG.sizeClasses();
    public static final PageHeap HEAP = new MmapPageHeapProvider().create(CONFIG);
    public static final CentralCache CENTRAL = new PerClassCentralCacheProvider().create(CONFIG, HEAP);

    private Tiers() {
    }
}
