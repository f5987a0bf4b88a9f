/**
 * The allocator itself, which joins the public API ({@code io.rtmalloc}) to the
 * tiers ({@code io.rtmalloc.spi}): {@link io.rtmalloc.internal.RtAllocator}
 * (validation, large blocks, realloc, stats, close) with its thread-bound view,
 * the segment layer and arenas, checked mode and the background release, and
 * {@link io.rtmalloc.internal.StackAssembly}, through which
 * {@link io.rtmalloc.RtMalloc} builds stacks.
 *
 * <p>Not exported: no module, rtmalloc's own included, names these classes.
 * The packages depend one way: {@code io.rtmalloc} names no type of
 * {@code io.rtmalloc.spi}; the tiers' interfaces in {@code io.rtmalloc.spi} use
 * the public types of {@code io.rtmalloc}; this package uses both. The one
 * reference from the public package into this one is {@link io.rtmalloc.RtMalloc}'s,
 * the entry point, to {@link io.rtmalloc.internal.StackAssembly}.
 */
package io.rtmalloc.internal;
