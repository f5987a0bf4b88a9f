package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.GlobalSettingsProbes;

/**
 * Calls {@link RtMallocByteBufAllocator#global()} three times, then
 * {@link RtMalloc#global()} once, as a program of its own, so that a forked JVM
 * can run it under the settings of {@link GlobalSettingsForkedTest}. For each
 * call of the adapter it prints one line: {@code call N: built <front end> <identity>}
 * (after a direct buffer of it went round trip), or
 * {@code call N: <exception class>: <message>} and {@code cause N: <cause class>};
 * then {@code rtmalloc: ...} for {@code RtMalloc.global()} the same way
 * ({@link GlobalSettingsProbes#report}). It exits 0 whatever the calls did: the
 * test judges the lines.
 */
public final class GlobalSettingsProbe {

    private GlobalSettingsProbe() {
    }

    public static void main(String[] args) {
        for (int call = 1; call <= GlobalSettingsProbes.CALLS; call++) {
            GlobalSettingsProbes.report("call " + call, "cause " + call, () -> {
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
                return a.allocator().frontEnd() + " " + System.identityHashCode(a);
            });
        }
        GlobalSettingsProbes.report("rtmalloc", "rtmalloc cause", () -> RtMalloc.global().frontEnd());
    }
}
