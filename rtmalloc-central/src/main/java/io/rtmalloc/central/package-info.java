/**
 * The middle tier of rtmalloc: for each size class a {@link io.rtmalloc.central.TransferCache}
 * (an array of free blocks moved in and out in batches) in front of a
 * {@link io.rtmalloc.central.CentralFreeList} (the spans of the class, carved
 * into blocks lazily, each span going back to the page heap once all its
 * blocks are free).
 *
 * <p>SYNCHRONIZATION: each size class has one lock, its transfer cache's
 * (a {@link io.rtmalloc.spi.TierLock}), which also guards its central free list;
 * nothing is shared across size classes but the page heap. Lock order: the
 * class's lock, then the page heap's; no lock is taken in the other direction.
 */
package io.rtmalloc.central;
