package io.rtmalloc.pageheap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The OS's memory through downcalls to libc's {@code mmap}, {@code munmap} and
 * {@code madvise} (Linux constants, the same on x86-64 and AArch64).
 */
final class Mmap implements SystemMemory {

    static final Mmap INSTANCE = new Mmap();

    private static final int PROT_NONE = 0x0;
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;
    private static final long MAP_FAILED = -1L;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), errno);
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), errno);
        MADVISE = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), errno);
    }

    private Mmap() {
    }

    @Override
    public long reserve(long bytes) {
        return mmap(0L, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, "reserve");
    }

    @Override
    public void commit(long address, long bytes) {
        try {
            mmap(address, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, "map");
        } catch (OutOfMemoryError e) {
            // Some kernels drop the old mapping before they find they cannot make the new
            // one: put the reservation back so that no other mapping can land in the range.
            try {
                mmap(address, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, "re-reserve");
            } catch (OutOfMemoryError again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    @Override
    public long map(long bytes) {
        return mmap(0L, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, "map");
    }

    @Override
    public void zeroReadOnly(long address, long bytes) {
        try {
            mmap(address, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, "remap");
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void zeroReadWrite(long address, long bytes) {
        try {
            mmap(address, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                    "remap");
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void unmap(long address, long bytes) {
        call(MUNMAP, "munmap", address, bytes, 0);
    }

    @Override
    public void release(long address, long bytes) {
        call(MADVISE, "madvise", address, bytes, MADV_DONTNEED);
    }

    /** mmap; a fixed {@code address} must come back unchanged. */
    private static long mmap(long address, long bytes, int prot, int flags, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long got = (long) MMAP.invokeExact(state, address, bytes, prot, flags, -1, 0L);
            if (got == MAP_FAILED || got == 0 || ((flags & MAP_FIXED) != 0 && got != address)) {
                throw new OutOfMemoryError("rtmalloc: the OS refused to " + what + " " + bytes + " bytes"
                        + (address == 0 ? "" : " at 0x" + Long.toHexString(address))
                        + " (mmap errno " + (int) ERRNO.get(state, 0L) + ")");
            }
            return got;
        } catch (OutOfMemoryError | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
    }

    private static void call(MethodHandle handle, String name, long address, long bytes, int advice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = handle == MUNMAP
                    ? (int) handle.invokeExact(state, address, bytes)
                    : (int) handle.invokeExact(state, address, bytes, advice);
            if (rc != 0) {
                throw new IllegalStateException(name + "(0x" + Long.toHexString(address) + ", " + bytes
                        + ") failed: errno " + (int) ERRNO.get(state, 0L));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + " downcall failed", t);
        }
    }
}
