/**
 * A Netty {@link io.netty.buffer.ByteBufAllocator} over rtmalloc: each direct
 * buffer's memory is one block of an rtmalloc {@link io.rtmalloc.Allocator},
 * taken with {@code malloc} when the buffer is made and freed, with a sized
 * {@code free}, when its last reference is released, on whatever thread that
 * happens. Heap buffers are Netty's unpooled heap buffers.
 *
 * <h2>Using it</h2>
 * <pre>{@code
 * ByteBufAllocator alloc = RtMallocByteBufAllocator.global();   // or new RtMallocByteBufAllocator(allocator)
 * new ServerBootstrap()
 *         .option(ChannelOption.ALLOCATOR, alloc)
 *         .childOption(ChannelOption.ALLOCATOR, alloc)
 *         ...
 * }</pre>
 * The module calls a restricted method ({@code MemorySegment.reinterpret}, to
 * view a block as a {@link java.nio.ByteBuffer}): grant it native access
 * ({@code --enable-native-access=io.rtmalloc.netty} on the module path,
 * {@code ALL-UNNAMED} on the class path).
 *
 * <h2>How a buffer holds its block</h2>
 * The buffers are Netty's safe unpooled direct buffers
 * ({@link io.netty.buffer.UnpooledDirectByteBuf}, never its
 * unsafe-memory-access variant, whatever Netty may use: rtmalloc reaches
 * memory through FFM and {@code ByteBuffer}s only) given a
 * {@code ByteBuffer} over an rtmalloc block instead of one of the JDK's, through
 * their protected hooks:
 * <ul>
 *   <li>the first block is taken before the buffer is constructed and handed
 *       to the buffer's protected constructor (Netty's constructors that
 *       allocate call a package-private hook, which cannot be overridden from
 *       outside Netty); Netty never frees a buffer given to its constructor,
 *       so the subclass frees this first block itself, once a growth has
 *       moved the contents to a new block or on the last release;</li>
 *   <li>{@code capacity(n)} calls {@code allocateDirectBuffer(int)}, which
 *       returns a {@link io.netty.util.internal.CleanableDirectBuffer} over a
 *       new block whose {@code clean()} frees it; Netty copies the contents
 *       and frees the block it replaces through its {@code clean()};</li>
 *   <li>the last {@code release()} calls {@code deallocate()}, which frees
 *       the current block the same way.</li>
 * </ul>
 * A buffer's {@code capacity()} is the size asked for; its block is that
 * size's class, and the sized free passes the size asked for.
 *
 * <h2>Metrics and leaks</h2>
 * The allocator is a {@link io.netty.buffer.ByteBufAllocatorMetricProvider}:
 * {@code usedDirectMemory()} is the bytes in use in its rtmalloc allocator
 * (read from rtmalloc's accounts when asked, so that buffers pay no counter;
 * give Netty an allocator of its own to see Netty's direct memory alone),
 * {@code usedHeapMemory()} the bytes of its heap buffers. Buffers go
 * through Netty's {@code ResourceLeakDetector} as with Netty's own allocators
 * (unless the allocator was built with the detector disabled): a buffer
 * collected unreleased is reported, and its block stays allocated, as with
 * Netty's pooled allocator.
 */
package io.rtmalloc.netty;
