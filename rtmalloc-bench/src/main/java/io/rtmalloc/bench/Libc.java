package io.rtmalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library's {@code malloc}, {@code free} and {@code realloc} through FFM downcalls: plain,
 * and linked with {@code Linker.Option.critical(false)} (no thread-state
 * transition; safe because malloc and free never call back into Java).
 */
final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor MALLOC_DESC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor FREE_DESC = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);
    private static final FunctionDescriptor REALLOC_DESC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    static final MethodHandle MALLOC = find("malloc", MALLOC_DESC);
    static final MethodHandle FREE = find("free", FREE_DESC);
    static final MethodHandle MALLOC_CRITICAL = find("malloc", MALLOC_DESC, Linker.Option.critical(false));
    static final MethodHandle FREE_CRITICAL = find("free", FREE_DESC, Linker.Option.critical(false));
    static final MethodHandle REALLOC = find("realloc", REALLOC_DESC);
    static final MethodHandle REALLOC_CRITICAL = find("realloc", REALLOC_DESC, Linker.Option.critical(false));

    private Libc() {
    }

    private static MethodHandle find(String name, FunctionDescriptor desc, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, desc, options);
    }

    static long malloc(long size) throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC.invokeExact(size);
        return checked(p, size);
    }

    static void free(long address) throws Throwable {
        FREE.invokeExact(MemorySegment.ofAddress(address));
    }

    static long mallocCritical(long size) throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC_CRITICAL.invokeExact(size);
        return checked(p, size);
    }

    static void freeCritical(long address) throws Throwable {
        FREE_CRITICAL.invokeExact(MemorySegment.ofAddress(address));
    }

    static long realloc(long address, long size) throws Throwable {
        MemorySegment p = (MemorySegment) REALLOC.invokeExact(MemorySegment.ofAddress(address), size);
        return checked(p, size);
    }

    static long reallocCritical(long address, long size) throws Throwable {
        MemorySegment p = (MemorySegment) REALLOC_CRITICAL.invokeExact(MemorySegment.ofAddress(address), size);
        return checked(p, size);
    }

    /** glibc's struct mallinfo2: ten size_t counters. */
    private static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("arena"), ValueLayout.JAVA_LONG.withName("ordblks"),
            ValueLayout.JAVA_LONG.withName("smblks"), ValueLayout.JAVA_LONG.withName("hblks"),
            ValueLayout.JAVA_LONG.withName("hblkhd"), ValueLayout.JAVA_LONG.withName("usmblks"),
            ValueLayout.JAVA_LONG.withName("fsmblks"), ValueLayout.JAVA_LONG.withName("uordblks"),
            ValueLayout.JAVA_LONG.withName("fordblks"), ValueLayout.JAVA_LONG.withName("keepcost"));

    /**
     * Bytes glibc's malloc holds from the OS in the whole process ({@code mallinfo2()}:
     * {@code arena + hblkhd}, the heaps plus mmapped chunks), or -1 where there is no
     * {@code mallinfo2} (not glibc, or older than 2.33).
     */
    static long mallinfoMapped() {
        var symbol = LINKER.defaultLookup().find("mallinfo2");
        if (symbol.isEmpty()) {
            return -1;
        }
        MethodHandle h = LINKER.downcallHandle(symbol.get(), FunctionDescriptor.of(MALLINFO2));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) h.invokeExact((SegmentAllocator) arena);
            return info.get(ValueLayout.JAVA_LONG, 0) + info.get(ValueLayout.JAVA_LONG, 32);
        } catch (Throwable t) {
            throw Blocks.rethrow(t);
        }
    }

    private static long checked(MemorySegment p, long size) {
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        return p.address();
    }
}
