package io.rtmalloc.spi;

import io.rtmalloc.Allocator;
import io.rtmalloc.ReleaseCause;

import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * What the allocator tells the management module (rtmalloc-management): the
 * rare events it records as JFR events, and the allocators given a name, which
 * it registers as MXBeans. Found once by {@link java.util.ServiceLoader}; when
 * that module is absent, {@link #INSTANCE} is a listener that does nothing, so
 * no JFR or JMX class is loaded and a call costs an empty, inlined method.
 *
 * <p>Called only off the fast paths: on whole-page allocations, on releases of
 * free pages, and when an allocator is built. A listener must be quick and must
 * not call back into the allocator that calls it.
 */
public interface AllocatorListener {

    /** The listener found at start-up, or one that does nothing. */
    AllocatorListener INSTANCE = Found.find();

    /**
     * A block above the largest size class was served as whole pages.
     *
     * @param requested the bytes asked for
     * @param size      the bytes of the span that serves them
     * @param address   the block's address
     * @param frontEnd  the allocator's front-end name
     */
    void largeAllocation(long requested, long size, long address, String frontEnd);

    /**
     * The page heap returned free pages to the OS.
     *
     * @param cause    why the pages went back
     * @param bytes    bytes returned
     * @param mapped   bytes the page heap has mapped, after the release
     * @param frontEnd the allocator's front-end name
     */
    void memoryReleased(ReleaseCause cause, long bytes, long mapped, String frontEnd);

    /**
     * An allocator was built with a name: the management module registers it
     * as an MXBean.
     *
     * @param name      the name given to the builder
     * @param allocator the new allocator
     * @return what undoes the registration; the allocator runs it when it closes
     * @throws IllegalArgumentException if the name is taken
     */
    Runnable named(String name, Allocator allocator);

    /** The look-up, and the listener that does nothing. */
    final class Found implements AllocatorListener {

        private Found() {
        }

        private static AllocatorListener find() {
            Iterator<AllocatorListener> it = ServiceLoader.load(AllocatorListener.class,
                    AllocatorListener.class.getClassLoader()).iterator();
            if (!it.hasNext()) {
                it = ServiceLoader.load(AllocatorListener.class).iterator();
            }
            return it.hasNext() ? it.next() : new Found();
        }

        @Override
        public void largeAllocation(long requested, long size, long address, String frontEnd) {
        }

        @Override
        public void memoryReleased(ReleaseCause cause, long bytes, long mapped, String frontEnd) {
        }

        @Override
        public Runnable named(String name, Allocator allocator) {
            return () -> { };
        }
    }
}
