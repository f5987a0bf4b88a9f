/**
 * The middle tier of rtmalloc: for each size class a {@link io.rtmalloc.central.TransferCache}
 * (an array of free blocks moved in and out in batches) in front of a
 * {@link io.rtmalloc.central.CentralFreeList} (the spans of the class, carved
 * into blocks lazily, each span going back to the page heap once all its
 * blocks are free).
 *
 * <p>SYNCHRONIZATION: each transfer cache and each central free list has its
 * own lock (its monitor); nothing is shared across size classes but the page
 * heap. Lock order: transfer cache, then central free list, then page heap;
 * no lock is taken in the other direction.
 */
package io.rtmalloc.central;
