package io.rtmalloc.tests;

import io.rtmalloc.spi.NativeMemory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident memory of address ranges, from {@code /proc/self/smaps} (Linux). */
final class Smaps {

    private static final Path FILE = Path.of("/proc/self/smaps");

    private Smaps() {
    }

    static boolean available() {
        return Files.isReadable(FILE);
    }

    /** The summed {@code Rss} of the mappings that overlap {@code [from, to)}, in bytes. */
    static long rss(long from, long to) {
        String text;
        try {
            text = Files.readString(FILE, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long sum = 0;
        boolean in = false;
        for (String line : text.split("\n")) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && hex(line, 0, dash) && hex(line, dash + 1, space)) {
                long start = Long.parseUnsignedLong(line, 0, dash, 16);
                long end = Long.parseUnsignedLong(line, dash + 1, space, 16);
                in = Long.compareUnsigned(start, to) < 0 && Long.compareUnsigned(from, end) < 0;
            } else if (in && line.startsWith("Rss:")) {
                sum += Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
            }
        }
        return sum;
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return to > from;
    }

    /** Writes a byte to every 4 KiB page of {@code [address, address + size)}. */
    static void touch(long address, long size) {
        for (long p = address; p < address + size; p = (p & -4096) + 4096) {
            NativeMemory.putByte(p, (byte) 1);
        }
    }
}
