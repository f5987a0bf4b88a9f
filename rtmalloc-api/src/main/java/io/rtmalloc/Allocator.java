package io.rtmalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * An allocator of native memory: hands out raw addresses like {@code malloc} and
 * {@link MemorySegment}s like an {@link Arena}. Every method is thread-safe.
 *
 * <p>Blocks are aligned to at least 8 bytes (the natural alignment of every Java
 * primitive). Addresses are plain {@code long}s: reading and writing them is the
 * caller's business, for example through
 * {@code MemorySegment.ofAddress(a).reinterpret(n)}; the segment methods
 * ({@link #allocate(long, long)}, {@link #newArena()}) give bounds-checked access
 * instead.
 *
 * <p>Bad input is an exception that leaves the allocator working: a negative size
 * or a size whose product overflows is an {@link IllegalArgumentException}, so is
 * an alignment that is not a power of two, and so is freeing an address this
 * allocator never returned. A refusal of memory by the system is an
 * {@link OutOfMemoryError}.
 *
 * <h2>The raw API's contract under misuse</h2>
 * No call of this interface, with any arguments, in any order, from any
 * threads, makes rtmalloc read or write memory outside what it mapped for
 * blocks and metadata, hand out an address outside its heap, or crash the JVM.
 * What C leaves undefined may at worst damage the caller's own blocks, never
 * the allocator's ability to go on; it is detected wherever that is cheap:
 * <ul>
 *   <li><b>Frees of addresses never handed out</b> (foreign, interior,
 *       misaligned, a block boundary never handed out, a free span) are
 *       {@link IllegalArgumentException}s in every mode, checked on the fast
 *       path by one read of the page map and a multiplication.</li>
 *   <li><b>Double free</b>: caught when the block is the first of the list it
 *       joins (a free right after a free of the same block), be it the
 *       thread's or CPU's list, or the transfer cache a thread cache with no
 *       room for the class hands it on to; other double
 *       frees may hand the block out twice (damage to the caller's blocks).
 *       Checked mode ({@code -Drtmalloc.checked=true}) catches every double
 *       free, and every {@code realloc} or {@code usableSize} of a freed
 *       block, with the stacks of its allocation and first free when
 *       {@code -Drtmalloc.checked.stacks=true}.</li>
 *   <li><b>Writes to freed blocks</b> may change a free list's links: every
 *       link rtmalloc follows is checked against its heap's range before it is
 *       read or handed out, and a damaged list is dropped (its blocks are lost)
 *       with an {@link IllegalStateException} naming the size class. A link
 *       inside the heap may hand out a block that overlaps another (damage to
 *       the caller's blocks), never memory outside the heap.</li>
 *   <li><b>{@link #close()} racing other calls</b>: a racing call completes or
 *       throws {@link IllegalStateException}; it never faults.</li>
 * </ul>
 * The segment layer ({@link #allocate(long, long)}, {@link #newArena()}) rules
 * out all of this by construction: a freed segment cannot be accessed or freed
 * again.
 *
 * <p>An allocator built by {@link RtMalloc#builder()} owns its memory until
 * {@link #close()}, which frees every block at once and gives the memory back
 * to the OS.
 */
public interface Allocator extends SegmentAllocator, AutoCloseable {

    /**
     * A block of at least {@code size} bytes, aligned to at least 8.
     *
     * @param size bytes wanted, {@code >= 0}; 0 still gives a distinct block
     * @return the block's address, never 0
     * @throws IllegalArgumentException if {@code size < 0}
     * @throws OutOfMemoryError if the system refuses memory
     */
    long malloc(long size);

    /**
     * A zeroed block of {@code count * size} bytes.
     *
     * @param count the number of elements
     * @param size the bytes asked for
     * @return a zeroed block of {@code count * size} bytes
     * @throws IllegalArgumentException if either is negative or the product overflows
     */
    long calloc(long count, long size);

    /**
     * C's {@code realloc}: a block of at least {@code newSize} bytes holding the
     * contents of the old one up to the smaller of the two sizes. An address of 0
     * is {@code malloc(newSize)}. The result may be the same address when the
     * block's size class still fits; otherwise the old block is freed.
     *
     * @param address the block's address
     * @param newSize the bytes the block must hold
     * @return the address of the block that now holds the contents: the same one or a new one
     */
    long realloc(long address, long newSize);

    /**
     * A block of at least {@code size} bytes whose address is a multiple of
     * {@code alignment}.
     *
     * @param alignment the alignment, a power of two
     * @param size the bytes asked for
     * @return a block of at least {@code size} bytes whose address is a multiple of {@code alignment}
     * @throws IllegalArgumentException if {@code alignment} is not a power of two
     *         or {@code size < 0}
     */
    long alignedAlloc(long alignment, long size);

    /**
     * Frees a block. 0 is a no-op. A double free is detected when the block is
     * the first of the free list it joins, and always in checked mode; see the
     * class comment.
     *
     * @param address the block's address
     * @throws IllegalArgumentException if this allocator did not return the
     *         address (outside its heap, inside a block, not at a block
     *         boundary, a block never handed out, free pages), and for a
     *         double free it detects
     */
    void free(long address);

    /**
     * Frees a block whose size the caller knows: any size between the
     * requested one and its {@link #usableSize}. It costs what
     * {@link #free(long)} costs: the block's class comes from the page map
     * (one compare and one read, as cheap as deriving it from the size, and
     * right for every block, where the class of the size is not: an aligned
     * block's class need not be the class of its requested size). So a wrong
     * size cannot make it free the block into the wrong list; it is not
     * otherwise checked on the fast path, except for its sign. Checked mode
     * ({@code -Drtmalloc.checked=true}) checks it against the usable size,
     * and so does every free of a whole-page block.
     *
     * @param address the block's address
     * @param size the bytes asked for
     * @throws IllegalArgumentException as {@link #free(long)}, for a negative
     *         size, and for a size above the block's usable size where it is
     *         checked
     */
    void free(long address, long size);

    /**
     * The bytes usable in the block at {@code address}: the size of its class.
     *
     * @param address the block's address
     * @return the bytes usable in the block at {@code address}
     */
    long usableSize(long address);

    /**
     * A zeroed segment of exactly {@code byteSize} bytes, aligned to
     * {@code byteAlignment}, with a lifetime of its own that ends at
     * {@link #free(MemorySegment)}: every access after that throws
     * {@link IllegalStateException}. Like a segment of
     * {@link Arena#ofConfined()}, it is confined to the calling thread, which
     * alone may access and free it (another thread's access throws
     * {@link WrongThreadException}); a shared arena
     * ({@link #newSharedArena()}) gives segments for several threads. A
     * segment not freed is a leak, as a block not freed is; the segments of a
     * thread that ends are taken back. The lifetime costs a JDK confined
     * session per segment (opened here, closed by the free).
     */
    @Override
    MemorySegment allocate(long byteSize, long byteAlignment);

    /**
     * Frees a segment of {@link #allocate(long, long)}, on the thread that
     * allocated it: its lifetime ends, and every access through it (or a slice
     * of it) throws {@link IllegalStateException} from then on.
     *
     * @param segment a segment this allocator returned
     * @throws IllegalStateException if it was already freed
     * @throws IllegalArgumentException if it is not a segment this allocator's
     *         {@code allocate} returned (a slice of one, an arena's segment, a
     *         segment of {@code MemorySegment.ofAddress}, another allocator's),
     *         changing nothing
     * @throws WrongThreadException from a thread other than the allocating one
     */
    void free(MemorySegment segment);

    /**
     * A confined arena whose segments come from this allocator, zeroed as the
     * JDK's arenas zero theirs, and are all freed when it closes; any access
     * after that (or from another thread) throws, as with
     * {@link Arena#ofConfined()}. It takes its blocks from the calling
     * thread's cache, held in hand. An arena that becomes unreachable without
     * being closed is counted (see {@link #stats()}), reported with where it
     * was opened when {@code -Drtmalloc.arenaLeaks=report}, and its blocks go
     * back.
     *
     * @return a confined arena whose segments come from this allocator, zeroed as the JDK's arenas zero theirs, and are all freed when it closes
     */
    Arena newArena();

    /**
     * {@link #newArena()}, choosing whether segments are zeroed: unzeroed
     * segments show whatever their block held before (this program's data,
     * never another process's), which suits code that writes every byte it
     * allocates before reading it, and saves a memset per segment.
     *
     * @param zeroed whether the memory is zeroed
     * @return a confined arena whose segments come from this allocator
     */
    Arena newArena(boolean zeroed);

    /**
     * A shared arena: its segments (zeroed) may be allocated, accessed and
     * freed at its close from any thread, as with {@link Arena#ofShared()},
     * whose session makes the close safe against threads accessing them.
     *
     * @return a shared arena
     */
    Arena newSharedArena();

    /**
     * {@link #newSharedArena()}, choosing whether segments are zeroed.
     *
     * @param zeroed whether the memory is zeroed
     * @return a shared arena whose segments come from this allocator
     */
    Arena newSharedArena(boolean zeroed);

    /**
     * A snapshot of where this allocator's memory is, computed on demand.
     *
     * @return a snapshot of where this allocator's memory is, computed on demand
     */
    AllocatorStats stats();

    /**
     * Returns free pages to the operating system now: the caches this thread
     * can reach are emptied, then every free touched page is released. Free
     * memory also goes back by itself after the decay time
     * ({@code release_decay_ms}, see {@link Config}).
     *
     * @return the bytes released by this call
     */
    long releaseFreeMemory();

    /**
     * Sets the limits on the resident memory of this allocator's page heap
     * (touched pages of blocks in use, of spans cut into size classes and of
     * free spans), in bytes; 0 means none. They start as the configuration's
     * {@code memory_limit} (soft) and {@code memory_limit_hard}. Past the soft
     * limit free pages are released and caches emptied before pages that are
     * not resident are handed out; an allocation that would pass the hard limit
     * even then throws {@link OutOfMemoryError}, and the allocator stays as it
     * was.
     *
     * @param soft the soft limit on resident bytes; 0: none
     * @param hard the hard limit on resident bytes; 0: none
     * @throws IllegalArgumentException for a negative limit, or a hard limit under the soft one
     * @throws UnsupportedOperationException for a page heap without limits
     */
    default void setMemoryLimits(long soft, long hard) {
        throw new UnsupportedOperationException(this + " has no memory limits");
    }

    /**
     * Returns what the calling thread's cache of this allocator holds to the
     * central tier. A no-op for front ends without per-thread caches.
     */
    default void flushThreadCache() {
    }

    /**
     * A view of this allocator bound to the calling thread, as
     * {@link Arena#ofConfined()} binds an arena: its {@code malloc} and
     * {@code free} reach that thread's cache with no thread-local lookup, and a
     * call from any other thread is a {@link WrongThreadException}. Blocks are
     * interchangeable with this allocator's.
     *
     * @return a view of this allocator bound to the calling thread, as {@link Arena#ofConfined()} binds an arena
     */
    Allocator threadBound();

    /**
     * The sizes this allocator was asked for, recorded when the JVM runs with
     * {@code -Drtmalloc.histogram=true} (otherwise it stays empty and recording
     * costs nothing): the input of profile-guided size classes.
     *
     * @return the sizes this allocator was asked for, recorded when the JVM runs with {@code -Drtmalloc.histogram=true} (otherwise it stays empty and recording costs nothing)
     */
    AllocationHistogram histogram();

    /**
     * Checks every invariant of every tier that can be checked from the
     * calling thread (the page heap, the central lists and transfer caches,
     * the calling thread's or every CPU's cache) and throws
     * {@link IllegalStateException} naming the first one broken. Expensive:
     * for tests and debugging.
     */
    void checkInvariants();

    /**
     * The name of this allocator's front end: "global", "threadcache", "percpu".
     *
     * @return the name of this allocator's front end
     */
    String frontEnd();

    /**
     * The configuration this allocator was built with.
     *
     * @return the configuration this allocator was built with
     */
    Config config();

    /**
     * Frees every block of this allocator at once and returns all its memory
     * to the operating system (see below for what stays mapped). Closing it again
     * does nothing.
     *
     * <p>Afterwards every call but {@link #frontEnd()}, {@link #config()},
     * {@code close()} and a free of address 0 (a no-op) throws
     * {@link IllegalStateException}. It refuses while segments or arenas that
     * could still reach its memory are live (below), so no segment outlives
     * it. Raw addresses it handed out must not be used again: their contents
     * are gone.
     *
     * <p>The memory goes back to the OS, but the range it occupied stays
     * mapped, as fresh zero pages that hold no memory: a call of another
     * thread racing the close (which read the page map or its cache before the
     * close) completes, writing to memory nobody uses, or throws
     * {@link IllegalStateException}; it never faults. That costs address
     * space only (the part of the reservation the heap had mapped, and 8
     * bytes per page of the reservation for the page map; the rest of the
     * reservation is unmapped), until a later allocator with the same sizes
     * takes the range over, a second or more after the close; so a program
     * that makes and closes allocators without end holds a bounded number of
     * kernel mappings. The allocator's caches, including other threads',
     * forget their blocks.
     * {@link RtMalloc#global()} is shared by the whole process: do not close it.
     *
     * @throws IllegalStateException if a live thread holds an open arena or a
     *         segment of {@link #allocate(long, long)} not freed, or a shared
     *         arena is open (their segments would point into memory whose
     *         contents are gone);
     *         the allocator then stays open and usable
     * @throws UnsupportedOperationException on a view ({@link #threadBound()}),
     *         which does not own the memory (close the allocator it came from),
     *         and for a front end that cannot empty its caches
     */
    @Override
    default void close() {
        throw new UnsupportedOperationException(this + " does not own its memory: close the allocator it came from");
    }
}
