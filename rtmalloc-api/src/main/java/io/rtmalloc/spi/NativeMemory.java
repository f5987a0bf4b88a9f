package io.rtmalloc.spi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes of native memory by address, for the tiers' intrusive free
 * lists ({@link FreeList}), the page map, and copying and zeroing blocks.
 *
 * <p>All access goes through one "whole memory" segment held in a
 * {@code static final} field, so that C2 folds it to a constant and an access
 * compiles to a plain load or store. Its callers must only touch addresses the
 * allocator handed out or owns (see each tier's invariants): the segment itself
 * checks nothing but the sign of the address.
 */
public final class NativeMemory {

    /** Every address of the process. Creating it is a restricted operation. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * Free-list words. Unaligned: the access then skips the alignment check (x86
     * and AArch64 load and store unaligned words without faulting); callers pass
     * 8-byte aligned addresses anyway.
     */
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private NativeMemory() {
    }

    /**
     * The 8-byte word at {@code address}.
     *
     * @param address the word's address
     * @return the word
     */
    public static long getLong(long address) {
        return ALL.get(WORD, address);
    }

    /**
     * Stores the 8-byte word at {@code address}.
     *
     * @param address the word's address
     * @param value the word
     */
    public static void putLong(long address, long value) {
        ALL.set(WORD, address, value);
    }

    /**
     * The 4-byte word at {@code address}.
     *
     * @param address the word's address
     * @return the word
     */
    public static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address);
    }

    /**
     * Stores the 4-byte word at {@code address}.
     *
     * @param address the word's address
     * @param value the word
     */
    public static void putInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address, value);
    }

    /**
     * The byte at {@code address}.
     *
     * @param address the byte's address
     * @return the byte
     */
    public static byte getByte(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address);
    }

    /**
     * Stores a byte at {@code address}.
     *
     * @param address the byte's address
     * @param value the byte
     */
    public static void putByte(long address, byte value) {
        ALL.set(ValueLayout.JAVA_BYTE, address, value);
    }

    /**
     * Copies {@code bytes} bytes; the ranges may overlap.
     *
     * @param from the source's first byte
     * @param to the destination's first byte
     * @param bytes how many bytes
     */
    public static void copy(long from, long to, long bytes) {
        MemorySegment.copy(ALL, from, ALL, to, bytes);
    }

    /**
     * Sets {@code bytes} bytes at {@code address} to {@code value}.
     *
     * @param address the first byte
     * @param bytes how many bytes
     * @param value the value of each
     */
    public static void fill(long address, long bytes, byte value) {
        ALL.asSlice(address, bytes).fill(value);
    }

    /**
     * Whether {@code segment} has the unbounded (global) lifetime of the segments
     * made by {@link #segment}, rather than an arena's.
     *
     * @param segment the segment
     * @return whether {@code segment} has the global scope
     */
    public static boolean isUnboundedScope(MemorySegment segment) {
        return segment.scope().equals(ALL.scope());
    }

    /**
     * A segment of {@code bytes} bytes at {@code address}, of global scope.
     *
     * @param address the first byte
     * @param bytes the segment's size
     * @return the segment
     */
    public static MemorySegment segment(long address, long bytes) {
        return ALL.asSlice(address, bytes);
    }
}
