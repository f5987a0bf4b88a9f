package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;
import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

/**
 * Calls {@link RtMallocByteBufAllocator#global()} three times, then
 * {@link RtMalloc#global()} once, as a program of its own, so that a forked JVM
 * can run it under the settings of {@link GlobalSettingsForkedTest}. For each
 * call of the adapter it prints one line: {@code call N: built <front end> <identity>}
 * (after a direct buffer of it went round trip), or
 * {@code call N: <exception class>: <message>} and {@code cause N: <cause class>};
 * then {@code rtmalloc: ...} for {@code RtMalloc.global()} the same way. It
 * exits 0 whatever the calls did: the test judges the lines.
 */
public final class GlobalSettingsProbe {

    private GlobalSettingsProbe() {
    }

    public static void main(String[] args) {
        for (int call = 1; call <= 3; call++) {
            try {
                RtMallocByteBufAllocator a = RtMallocByteBufAllocator.global();
                if (a.allocator() != RtMalloc.global()) {
                    throw new AssertionError("not over RtMalloc.global(): " + a);
                }
                ByteBuf b = a.directBuffer(64);
                b.writeLong(0x0123_4567_89ab_cdefL);
                long read = b.readLong();
                b.release();
                if (read != 0x0123_4567_89ab_cdefL) {
                    throw new AssertionError("read back " + Long.toHexString(read));
                }
                System.out.println("call " + call + ": built " + a.allocator().frontEnd() + " "
                        + System.identityHashCode(a));
            } catch (Throwable t) {
                print("call " + call, "cause " + call, t);
            }
        }
        try {
            Allocator a = RtMalloc.global();
            System.out.println("rtmalloc: built " + a.frontEnd());
        } catch (Throwable t) {
            print("rtmalloc", "rtmalloc cause", t);
        }
    }

    private static void print(String label, String causeLabel, Throwable t) {
        System.out.println(label + ": " + t.getClass().getName() + ": " + oneLine(t.getMessage()));
        Throwable c = t.getCause();
        System.out.println(causeLabel + ": " + (c == null ? "none" : c.getClass().getName()));
    }

    private static String oneLine(String s) {
        return s == null ? "null" : s.replace("\n", "\\n");
    }
}
