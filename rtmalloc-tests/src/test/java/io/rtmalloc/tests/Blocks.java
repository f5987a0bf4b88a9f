package io.rtmalloc.tests;

import io.rtmalloc.spi.NativeMemory;

/**
 * Stamps a block with a pattern derived from a tag and checks it later: the
 * first and last words, and one word per 4 KiB page in between, so that large
 * blocks cost few page faults.
 */
final class Blocks {

    private Blocks() {
    }

    static long pattern(long tag, long offset) {
        long x = tag * 0x9E3779B97F4A7C15L + offset;
        x ^= x >>> 29;
        return x * 0xBF58476D1CE4E5B9L;
    }

    static void stamp(long address, long size, long tag) {
        forEachWord(address, size, off -> NativeMemory.putLong(address + off, pattern(tag, off)));
    }

    static boolean intact(long address, long size, long tag) {
        boolean[] ok = {true};
        forEachWord(address, size, off -> {
            if (NativeMemory.getLong(address + off) != pattern(tag, off)) {
                ok[0] = false;
            }
        });
        return ok[0];
    }

    /**
     * Whether the words a block of {@code stampedSize} bytes was stamped with,
     * as far as they lie in the first {@code kept} bytes, are intact at
     * {@code address} (where a realloc moved them).
     */
    static boolean intactPrefix(long address, long stampedSize, long kept, long tag) {
        boolean[] ok = {true};
        forEachWord(address, stampedSize, off -> {
            if (off + 8 <= kept && NativeMemory.getLong(address + off) != pattern(tag, off)) {
                ok[0] = false;
            }
        });
        return ok[0];
    }

    /** Whether every byte of the block is zero. */
    static boolean allZero(long address, long size) {
        for (long off = 0; off < size; off++) {
            if (NativeMemory.getByte(address + off) != 0) {
                return false;
            }
        }
        return true;
    }

    private interface WordAction {
        void at(long offset);
    }

    private static void forEachWord(long address, long size, WordAction action) {
        long words = size / 8;
        if (words == 0) {
            return;
        }
        if (words <= 64) {
            for (long w = 0; w < words; w++) {
                action.at(w * 8);
            }
            return;
        }
        for (long off = 0; off < size - 7; off += 4096) {
            action.at(off);
        }
        action.at((words - 1) * 8);
    }
}
