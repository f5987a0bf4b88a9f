package io.rtmalloc.osgi.tests;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * An {@code io.rtmalloc.Allocator} service seen from outside the framework.
 * The test class path holds no rtmalloc class (the bundles' class spaces are
 * the only ones), so its calls go through method handles on the interface as
 * the service's bundle sees it; its {@link SegmentAllocator} and
 * {@link AutoCloseable} faces are JDK types, used directly.
 */
final class BundleAllocator {

    final Object service;
    final Class<?> api;
    private final MethodHandle malloc;
    private final MethodHandle free;
    private final MethodHandle frontEnd;
    private final MethodHandle stats;

    BundleAllocator(Object service) {
        this.service = service;
        try {
            this.api = Class.forName("io.rtmalloc.Allocator", false, service.getClass().getClassLoader());
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            malloc = lookup.findVirtual(api, "malloc", MethodType.methodType(long.class, long.class)).bindTo(service);
            free = lookup.findVirtual(api, "free", MethodType.methodType(void.class, long.class)).bindTo(service);
            frontEnd = lookup.findVirtual(api, "frontEnd", MethodType.methodType(String.class)).bindTo(service);
            stats = lookup.findVirtual(api, "stats", MethodType.methodType(
                    Class.forName("io.rtmalloc.AllocatorStats", false, api.getClassLoader()))).bindTo(service);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("not an io.rtmalloc.Allocator: " + service, e);
        }
    }

    long malloc(long size) throws Throwable {
        return (long) malloc.invoke(size);
    }

    void free(long address) throws Throwable {
        free.invoke(address);
    }

    String frontEnd() throws Throwable {
        return (String) frontEnd.invoke();
    }

    /** {@code stats().bytesInUse()}. */
    long bytesInUse() throws Throwable {
        Object s = stats.invoke();
        return (long) MethodHandles.publicLookup()
                .findVirtual(s.getClass(), "bytesInUse", MethodType.methodType(long.class)).invoke(s);
    }

    SegmentAllocator segments() {
        return (SegmentAllocator) service;
    }

    void close() throws Exception {
        ((AutoCloseable) service).close();
    }

    /** Fills {@code size} bytes at {@code address} with a pattern of {@code tag}. */
    static void stamp(long address, long size, long tag) {
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(size);
        for (long i = 0; i + 8 <= size; i += 8) {
            s.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, tag * 31 + i);
        }
    }

    /** Whether the pattern of {@link #stamp} is intact. */
    static boolean intact(long address, long size, long tag) {
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(size);
        for (long i = 0; i + 8 <= size; i += 8) {
            if (s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i) != tag * 31 + i) {
                return false;
            }
        }
        return true;
    }
}
