package io.rtmalloc.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library's {@code malloc} and {@code free} through FFM downcalls: plain,
 * and linked with {@code Linker.Option.critical(false)} (no thread-state
 * transition; safe because malloc and free never call back into Java).
 */
final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor MALLOC_DESC =
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor FREE_DESC = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);

    static final MethodHandle MALLOC = find("malloc", MALLOC_DESC);
    static final MethodHandle FREE = find("free", FREE_DESC);
    static final MethodHandle MALLOC_CRITICAL = find("malloc", MALLOC_DESC, Linker.Option.critical(false));
    static final MethodHandle FREE_CRITICAL = find("free", FREE_DESC, Linker.Option.critical(false));

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

    private static long checked(MemorySegment p, long size) {
        if (p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        return p.address();
    }
}
