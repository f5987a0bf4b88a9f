/**
 * An Apache Arrow allocation manager over rtmalloc: every {@code ArrowBuf}'s
 * memory is one block of an rtmalloc {@link io.rtmalloc.Allocator}, taken with
 * {@code malloc} when Arrow asks for the buffer and given back with a sized
 * {@code free} when its last reference is released.
 *
 * <h2>Using it</h2>
 * <pre>{@code
 * BufferAllocator root = RtMallocAllocationManager.newRootAllocator();   // over RtMalloc.global()
 * // or, with Arrow's configuration API and an allocator of your choice:
 * BufferAllocator root2 = new RootAllocator(RootAllocator.configBuilder()
 *         .allocationManagerFactory(RtMallocAllocationManager.factory(allocator))
 *         .maxAllocation(limit)
 *         .build());
 * }</pre>
 * Child allocators inherit their root's factory, so every buffer of the tree
 * comes from rtmalloc, and Arrow's accounting (limits, leak reports when an
 * allocator closes with buffers outstanding) works as with its own managers.
 *
 * <h2>Making it the application's default</h2>
 * Arrow's no-argument {@code new RootAllocator()} and
 * {@code RootAllocator.defaultConfig()} take their factory from
 * {@code org.apache.arrow.memory.DefaultAllocationManagerOption}: the system
 * property {@code arrow.allocation.manager.type} names only Arrow's own
 * managers ({@code Netty}, {@code Unsafe}); without it Arrow looks on its
 * class loader for a class named
 * {@code org.apache.arrow.memory.DefaultAllocationManagerFactory} (before the
 * {@code unsafe} and {@code netty} ones) and reads its static {@code FACTORY}
 * field. That class lives in Arrow's own package, which the module system lets
 * only one module hold: it cannot ship in this module (a split package with
 * {@code org.apache.arrow.memory.core}). It ships in the separate jar
 * {@code rtmalloc-arrow-memory-core}, for applications on the class path:
 * adding that jar makes {@code new RootAllocator()} use
 * {@link io.rtmalloc.arrow.RtMallocAllocationManager#factory()}, even when
 * Arrow's unsafe or netty manager is also present. (Arrow infers the class to
 * load from the path of the jar it found it in, which must contain
 * {@code memory-core}: hence the jar's name. Keep that name when repackaging.)
 * On the module path, or in OSGi, build root allocators with the factory as
 * above. Arrow's allocator classes read the default factory when they load,
 * whichever factory a root allocator is then given, so one default must be
 * present: this jar, or Arrow's {@code arrow-memory-unsafe} or
 * {@code arrow-memory-netty}.
 *
 * <h2>Sizes</h2>
 * {@code getSize()} of an allocation is the size Arrow asked for (after its
 * rounding policy), as with Arrow's Unsafe manager: Arrow reserves that size
 * against its limits before the allocation and releases {@code getSize()}
 * afterwards, so the two must be equal. The block itself may be larger (its
 * size class); the sized free passes the requested size, which rtmalloc
 * accepts for any block of that class.
 *
 * <h2>Threads</h2>
 * Buffers may be released on any thread: the allocator given to the factory
 * must be one that any thread may call ({@code RtMalloc.global()}, an allocator
 * of {@code RtMalloc.builder()}), not a {@code threadBound()} view.
 */
package io.rtmalloc.arrow;
