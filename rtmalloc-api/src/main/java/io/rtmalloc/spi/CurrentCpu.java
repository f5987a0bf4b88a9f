package io.rtmalloc.spi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The logical CPU the calling thread runs on, as cheaply as this system allows:
 *
 * <ol>
 *   <li>{@link Source#RSEQ}: the {@code cpu_id} field (an {@code int} at offset
 *       4) of the thread's rseq area, which the kernel keeps current; glibc
 *       (2.35+) registers it and exports its place as {@code __rseq_offset} from
 *       the thread pointer ({@code pthread_self()}); {@code __rseq_size} of 0
 *       means it is not registered. A platform thread's address of it is
 *       kept after its first call (0.9 ns a read, against 2.7 with the
 *       downcall); a virtual thread makes the downcall each time;</li>
 *   <li>{@link Source#SCHED_GETCPU}: a {@code sched_getcpu()} downcall;</li>
 *   <li>{@link Source#STRIPE}: no CPU at all, a hash of the thread's id: threads
 *       are spread over the caches as if each stripe were a CPU.</li>
 * </ol>
 *
 * <p>Both downcalls are linked with {@code Linker.Option.critical(false)}: they
 * are leaf calls that never call back into Java. The answer may be stale by the
 * time it is used (the thread migrates, a virtual thread changes carrier): that
 * costs a lost ownership race, never safety, since a CPU's cache is used only by
 * the thread that wins its owner word. A virtual thread cannot unmount between
 * {@code pthread_self()} and the read of the carrier's rseq area (there is no
 * blocking point in between), so the area read is always a live thread's.
 *
 * <p>{@code -Drtmalloc.percpu.cpu=rseq|sched_getcpu|stripe} forces a source
 * (for tests and measurements); an unavailable one falls back down the list.
 */
public final class CurrentCpu {

    /** Where the CPU number comes from. */
    public enum Source {
        /** The {@code cpu_id} of the calling thread's rseq area. */
        RSEQ,
        /** A {@code sched_getcpu()} downcall. */
        SCHED_GETCPU,
        /** No CPU: a stripe from the calling thread's id. */
        STRIPE
    }

    /** The source in use, chosen once. */
    public static final Source SOURCE;

    private static final MethodHandle PTHREAD_SELF;
    private static final MethodHandle SCHED_GETCPU;
    /** {@code __rseq_offset + 4}: from the thread pointer to {@code cpu_id}. */
    private static final long CPU_ID_OFFSET;
    /** Reads the rseq area of the calling thread only (see the class comment). */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option critical = Linker.Option.critical(false);
        MethodHandle self = libc.find("pthread_self")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_LONG), critical))
                .orElse(null);
        MethodHandle getcpu = libc.find("sched_getcpu")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_INT), critical))
                .orElse(null);
        long offset = rseqCpuIdOffset(libc);
        PTHREAD_SELF = self;
        SCHED_GETCPU = getcpu;
        CPU_ID_OFFSET = offset;

        boolean rseqWorks = self != null && offset >= 0 && works(Source.RSEQ);
        boolean getcpuWorks = getcpu != null && works(Source.SCHED_GETCPU);
        String forced = System.getProperty("rtmalloc.percpu.cpu", "rseq").toLowerCase(Locale.ROOT);
        Source s = switch (forced) {
            case "stripe" -> Source.STRIPE;
            case "sched_getcpu" -> getcpuWorks ? Source.SCHED_GETCPU : Source.STRIPE;
            default -> rseqWorks ? Source.RSEQ : getcpuWorks ? Source.SCHED_GETCPU : Source.STRIPE;
        };
        SOURCE = s;
    }

    private CurrentCpu() {
    }

    /** {@code __rseq_offset + 4}, or -1 when glibc has no registered rseq area. */
    private static long rseqCpuIdOffset(SymbolLookup libc) {
        Optional<MemorySegment> offset = libc.find("__rseq_offset");
        Optional<MemorySegment> size = libc.find("__rseq_size");
        if (offset.isEmpty() || size.isEmpty()) {
            return -1;
        }
        int registered = size.get().reinterpret(4).get(ValueLayout.JAVA_INT, 0);
        if (registered == 0) {
            return -1;
        }
        return offset.get().reinterpret(8).get(ValueLayout.JAVA_LONG, 0) + 4;
    }

    /** Whether a source answers plausibly on this thread (rseq: as sched_getcpu does, where both exist). */
    private static boolean works(Source s) {
        try {
            for (int attempt = 0; attempt < 100; attempt++) {
                int cpu = s == Source.RSEQ ? rseq() : schedGetcpu();
                if (cpu < 0) {
                    return false;
                }
                if (s != Source.RSEQ || SCHED_GETCPU == null || cpu == schedGetcpu()) {
                    return true; // a mismatch may be a migration in between: try again
                }
            }
            return false;
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * The calling thread's CPU number (or stripe), {@code >= 0}.
     *
     * @return the calling thread's CPU number (or stripe)
     */
    public static int get() {
        return switch (SOURCE) {
            case RSEQ -> rseqCached();
            case SCHED_GETCPU -> schedGetcpu();
            case STRIPE -> stripe();
        };
    }

    /** A platform thread's thread pointer, found once; see {@link #rseqCached()}. */
    private record Pointer(long threadId, long cpuIdAddress) {
    }

    /** Slots of {@link #POINTERS}: a power of two. */
    private static final int POINTER_SLOTS = 4096;

    /**
     * Per slot (a thread id modulo {@link #POINTER_SLOTS}), the address of the
     * {@code cpu_id} of the last platform thread with that slot that asked.
     * An entry is immutable (a record's final fields), so a thread that finds
     * its own id finds its own address; a dead thread's entry is never
     * matched again, since thread ids are not reused.
     */
    private static final Pointer[] POINTERS = new Pointer[POINTER_SLOTS];

    /**
     * {@link #rseq()} without the {@code pthread_self()} downcall for a
     * platform thread that asked before: its {@code cpu_id} address stays the
     * same for its life. A virtual thread always makes the downcall (its
     * carrier changes), and is never entered: its id matches no entry.
     */
    static int rseqCached() {
        Thread t = Thread.currentThread();
        long id = t.threadId();
        int slot = (int) id & (POINTER_SLOTS - 1);
        Pointer p = POINTERS[slot];
        if (p != null && p.threadId == id) {
            return ALL.get(ValueLayout.JAVA_INT, p.cpuIdAddress);
        }
        long address;
        try {
            address = (long) PTHREAD_SELF.invokeExact() + CPU_ID_OFFSET;
        } catch (Throwable e) {
            throw new IllegalStateException("pthread_self downcall failed", e);
        }
        if (!t.isVirtual()) {
            POINTERS[slot] = new Pointer(id, address);
        }
        return ALL.get(ValueLayout.JAVA_INT, address);
    }

    /**
     * The {@code cpu_id} of the calling thread's rseq area.
     *
     * @return the calling thread's CPU number, from its rseq area
     */
    public static int rseq() {
        try {
            long tp = (long) PTHREAD_SELF.invokeExact();
            return ALL.get(ValueLayout.JAVA_INT, tp + CPU_ID_OFFSET);
        } catch (Throwable t) {
            throw new IllegalStateException("pthread_self downcall failed", t);
        }
    }

    /**
     * {@code sched_getcpu()}.
     *
     * @return the calling thread's CPU number, from {@code sched_getcpu()}
     */
    public static int schedGetcpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("sched_getcpu downcall failed", t);
        }
    }

    /**
     * A stripe from the calling thread's id (no CPU information).
     *
     * @return a stripe from the calling thread's id
     */
    public static int stripe() {
        long id = Thread.currentThread().threadId();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 33);
    }

    /**
     * Whether {@link #rseq()} can be called here.
     *
     * @return whether {@link #rseq()} can be called here
     */
    public static boolean rseqAvailable() {
        return PTHREAD_SELF != null && CPU_ID_OFFSET >= 0;
    }

    /**
     * Whether {@link #schedGetcpu()} can be called here.
     *
     * @return whether {@link #schedGetcpu()} can be called here
     */
    public static boolean schedGetcpuAvailable() {
        return SCHED_GETCPU != null;
    }
}
