package io.rtmalloc.internal;

import io.rtmalloc.spi.FrontEnd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The segment layer of one {@link RtAllocator}: the segments of
 * {@link Allocator#allocate(long, long)}, confined and shared arenas, and what
 * keeps them memory-safe.
 *
 * <h2>Lifetimes</h2>
 * <ul>
 *   <li>A segment of {@code allocate} has a lifetime of its own: a confined
 *       JDK session opened for it and closed by {@code free(segment)}, so
 *       that every access after the free throws
 *       {@link IllegalStateException}, as with a closed arena. It is
 *       confined to the thread that allocated it, which alone may use and
 *       free it. Its thread's {@link SegmentTable} maps its address to its
 *       session: a free of anything else (a slice, an arena's segment, a
 *       segment made by {@code MemorySegment.ofAddress}, another allocator's)
 *       finds no entry, or one whose session is not the segment's, and is
 *       refused without a change.</li>
 *   <li>A confined arena ({@link ConfinedArena}) holds its thread's front-end
 *       cache and records its blocks itself, with no per-segment cleanup
 *       action: its close ends the session, then gives the blocks back in one
 *       pass.</li>
 *   <li>A shared arena ({@link SharedArena}) is used and closed from any
 *       thread; the JDK's shared session makes its close safe against threads
 *       still accessing its segments.</li>
 * </ul>
 *
 * <h2>Leaks</h2>
 * A tracked arena's blocks are recorded in an {@link ArenaRecord}, a phantom
 * reference to the arena's session, which every segment of the arena
 * references. When the session becomes unreachable (the arena and all its
 * segments are gone) without a close, the record is enqueued: the leak is
 * counted ({@link #leakedArenas()}), reported with the place the arena was
 * opened when {@code -Drtmalloc.arenaLeaks=report}, and the blocks go back.
 * As Netty's leak detector does for buffers, tracking is sampled by default
 * ({@link #LEAK_MODE}): a tracked arena costs a phantom reference and makes
 * its session escape to the heap, where an untracked scoped arena can be
 * kept out of it by C2. The leak of an untracked arena is not found, and its
 * blocks stay allocated, as a leaked {@code Arena.ofConfined()}'s memory does.
 * The queue is polled every {@link #SAMPLE} arenas a thread opens, and by
 * {@code stats()} and {@code releaseFreeMemory()}. The segments of
 * {@code allocate} and the tracked arenas of a thread that died are taken
 * back: no thread can reach memory confined to a dead one.
 *
 * <h2>Zeroing</h2>
 * Segments are zeroed by default, as the JDK's arenas zero theirs: a segment
 * never shows what an earlier block held, which is what a program written
 * against {@link Arena} expects, and the safe default. An arena opened with
 * {@code zeroed = false} skips it for programs that overwrite what they
 * allocate; whole-page blocks fresh from the OS are not zeroed twice.
 */
final class SegmentLayer {

    /**
     * How leaked arenas are found ({@code -Drtmalloc.arenaLeaks=}):
     * {@code sampled} (the default) tracks one confined arena in
     * {@link #SAMPLE} per thread, and every shared arena; {@code all} and
     * {@code report} track every arena, {@code report} also recording where
     * each was opened, for the warning; {@code off} tracks none.
     */
    static final String LEAK_MODE = System.getProperty("rtmalloc.arenaLeaks", "sampled");
    /** Whether leaked arenas are reported with the place they were opened. */
    static final boolean REPORT_LEAKS = "report".equals(LEAK_MODE);
    /** Whether every confined arena is tracked. */
    static final boolean TRACK_ALL = REPORT_LEAKS || "all".equals(LEAK_MODE);
    /** Whether any arena is tracked. */
    static final boolean TRACK = !"off".equals(LEAK_MODE);
    /** One confined arena in this many is tracked when sampling (a power of two). */
    static final int SAMPLE = 128;

    /** Slots of the thread table: a power of two. */
    private static final int SLOTS = 1024;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(ThreadSegments[].class);

    private final RtAllocator allocator;
    private final ThreadSegments[] slots = new ThreadSegments[SLOTS];
    private final ThreadLocal<ThreadSegments> local;
    /** Every thread's state; guarded by itself. */
    private final List<ThreadSegments> threads = new ArrayList<>();
    private final ReferenceQueue<MemorySegment.Scope> leaks = new ReferenceQueue<>();
    /** Records of open shared arenas (so that their phantom references stay reachable). */
    private final Set<ArenaRecord> sharedRecords = ConcurrentHashMap.newKeySet();
    private final AtomicInteger openShared = new AtomicInteger();
    private final LongAdder leaked = new LongAdder();
    private final LongAdder reclaimedBlocks = new LongAdder();

    SegmentLayer(RtAllocator allocator) {
        this.allocator = allocator;
        this.local = ThreadLocal.withInitial(this::register);
    }

    // ---------------------------------------------------------------- the calling thread's state

    /** The calling thread's state, found through the slot table, else its {@link ThreadLocal}. */
    ThreadSegments current() {
        long id = Thread.currentThread().threadId();
        ThreadSegments t = slots[(int) id & (SLOTS - 1)];
        if (t != null && t.ownerId == id) {
            return t;
        }
        return currentSlow();
    }

    private ThreadSegments currentSlow() {
        ThreadSegments t = local.get();
        int i = (int) t.ownerId & (SLOTS - 1);
        ThreadSegments old = slots[i];
        if (old != t && (old == null || old.retired) && !t.retired) {
            SLOT.compareAndSet(slots, i, old, t);
        }
        return t;
    }

    private ThreadSegments register() {
        ThreadSegments t = new ThreadSegments(Thread.currentThread());
        sweepDeadThreads();
        synchronized (threads) {
            threads.add(t);
        }
        return t;
    }

    // ---------------------------------------------------------------- allocate and free(segment)

    MemorySegment allocate(long byteSize, long byteAlignment) {
        RtAllocator.checkSegmentArguments(byteSize, byteAlignment);
        allocator.ensureOpen();
        ThreadSegments t = current();
        long address = allocator.alignedAlloc(byteAlignment, byteSize);
        Arena lifetime = Arena.ofConfined();
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(byteSize, lifetime, null);
        allocator.zero(address, byteSize);
        t.table.put(address, lifetime, byteSize);
        return s;
    }

    void free(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("not a native segment: " + segment);
        }
        long address = segment.address();
        ThreadSegments t = current();
        int slot = t.table.find(address);
        if (slot < 0 || t.table.lifetime(slot).scope() != segment.scope()
                || t.table.bytes(slot) != segment.byteSize()) {
            throw refusedFree(segment);
        }
        Arena lifetime = t.table.lifetime(slot);
        t.table.remove(slot);
        lifetime.close(); // every access through the segment throws from now on
        allocator.free(address);
    }

    /** Why {@code segment} cannot be freed by {@code free(segment)}. */
    private RuntimeException refusedFree(MemorySegment segment) {
        if (!segment.scope().isAlive()) {
            return new IllegalStateException("the segment was already freed (or its arena closed): " + segment);
        }
        if (!segment.isAccessibleBy(Thread.currentThread())) {
            return new WrongThreadException("a segment of allocate() is confined to the thread that allocated it,"
                    + " which alone may free it: " + segment);
        }
        return new IllegalArgumentException("not a segment returned by this allocator's allocate()"
                + " (a slice, an arena's segment, or another allocator's?): " + segment);
    }

    // ---------------------------------------------------------------- arenas

    /**
     * A confined arena of the calling thread over {@code cache}. Small, so
     * that C2 inlines it into the caller: an untracked arena that does not
     * leave the caller's scope then stays out of the heap.
     */
    Arena newArena(FrontEnd.Cache cache, boolean zeroed) {
        ThreadSegments t = current();
        if ((++t.opened & (SAMPLE - 1)) == 0 || TRACK_ALL || allocator.isClosed()) {
            return newArenaSlow(t, cache, zeroed);
        }
        return new ConfinedArena(allocator, t, cache, zeroed);
    }

    /** Every {@link #SAMPLE}-th arena: polls for leaks and, unless tracking is off, tracks this one. */
    private Arena newArenaSlow(ThreadSegments t, FrontEnd.Cache cache, boolean zeroed) {
        allocator.ensureOpen();
        pollLeaks();
        t.unlinkLeaked();
        if (TRACK) {
            return new ConfinedArena(allocator, t, cache, zeroed, leaks);
        }
        return new ConfinedArena(allocator, t, cache, zeroed);
    }

    Arena newSharedArena(boolean zeroed) {
        allocator.ensureOpen();
        openShared.incrementAndGet();
        return new SharedArena(allocator, this, zeroed);
    }

    ReferenceQueue<MemorySegment.Scope> leakQueue() {
        return leaks;
    }

    void sharedOpened(ArenaRecord record) {
        sharedRecords.add(record);
    }

    void sharedClosed(ArenaRecord record) {
        sharedRecords.remove(record);
        openShared.decrementAndGet();
    }

    /** Gives back the blocks of every arena found leaked since the last poll. */
    void pollLeaks() {
        for (ArenaRecord r; (r = (ArenaRecord) leaks.poll()) != null; ) {
            if (r.finish()) {
                leaked.increment();
                if (r.shared) {
                    sharedRecords.remove(r);
                    openShared.decrementAndGet();
                }
                if (REPORT_LEAKS) {
                    System.Logger log = System.getLogger("io.rtmalloc");
                    log.log(System.Logger.Level.WARNING, "an rtmalloc " + (r.shared ? "shared" : "confined")
                            + " arena of " + allocator + " became unreachable without close(); its " + r.count()
                            + " block(s) go back now", r.site);
                }
                giveBack(r);
            }
        }
    }

    private void giveBack(ArenaRecord r) {
        for (int i = 0, n = r.count(); i < n; i++) {
            allocator.free(r.block(i));
        }
        reclaimedBlocks.add(r.count());
    }

    /**
     * Takes back what threads that died left: their segments of
     * {@code allocate} and their open arenas (memory confined to a dead thread
     * can be reached by no one).
     */
    void sweepDeadThreads() {
        List<ThreadSegments> dead = new ArrayList<>();
        synchronized (threads) {
            for (int i = threads.size() - 1; i >= 0; i--) {
                ThreadSegments t = threads.get(i);
                if (!t.ownerAlive()) {
                    threads.remove(i);
                    t.retired = true;
                    SLOT.compareAndSet(slots, (int) t.ownerId & (SLOTS - 1), t, null);
                    dead.add(t);
                }
            }
        }
        for (ThreadSegments t : dead) {
            t.table.drain(address -> {
                allocator.free(address);
                reclaimedBlocks.increment();
            });
            for (ArenaRecord r = t.arenas; r != null; r = r.next) {
                if (r.finish()) {
                    giveBack(r);
                }
            }
            t.arenas = null;
            t.openArenas = 0;
        }
    }

    // ---------------------------------------------------------------- closing and stats

    /**
     * For {@code close()}: throws {@link IllegalStateException} when a live
     * thread holds an open arena or a segment of {@code allocate}, or a shared
     * arena is open; what dead threads left is taken back first.
     */
    void checkClosable() {
        pollLeaks();
        sweepDeadThreads();
        int arenas = openShared.get();
        long segments = 0;
        synchronized (threads) {
            for (ThreadSegments t : threads) {
                t.unlinkLeaked();
                arenas += t.openArenas;
                segments += t.liveSegments();
            }
        }
        if (arenas > 0) {
            throw new IllegalStateException(arenas + " arena(s) of " + allocator
                    + " still open: close them before the allocator");
        }
        if (segments > 0) {
            throw new IllegalStateException(segments + " segment(s) of " + allocator
                    + ".allocate() still live: free them before closing the allocator");
        }
    }

    /** Arenas found unreachable without a close, since the allocator was made. */
    long leakedArenas() {
        return leaked.sum();
    }

    /** Blocks given back from leaked arenas and dead threads. */
    long reclaimedBlocks() {
        return reclaimedBlocks.sum();
    }

    /** Open arenas (racy, for statistics): confined ones of live threads, and shared ones. */
    long openArenas() {
        long n = openShared.get();
        synchronized (threads) {
            for (ThreadSegments t : threads) {
                n += t.openArenas;
            }
        }
        return n;
    }

    /** Live segments of {@code allocate} (racy, for statistics). */
    long liveSegments() {
        long n = 0;
        synchronized (threads) {
            for (ThreadSegments t : threads) {
                n += t.liveSegments();
            }
        }
        return n;
    }

    /** Checks the calling thread's segment table. */
    void checkInvariants() {
        current().table.checkInvariants();
    }
}
