package io.rtmalloc.arrow.defaults;

import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.GlobalSettingsProbes;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.DefaultAllocationManagerFactory;
import org.apache.arrow.memory.RootAllocator;

/**
 * Makes Arrow's no-argument {@code new RootAllocator()} three times, then calls
 * {@link RtMalloc#global()} once, as a program of its own, so that a forked JVM
 * can run it under the settings of {@link GlobalSettingsForkedTest}. For each
 * root allocator it prints one line: {@code call N: built <front end> <identity of FACTORY>}
 * (after the root gave out an rtmalloc block), or
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
                try (BufferAllocator root = new RootAllocator();
                     ArrowBuf buf = root.buffer(1000)) {
                    // Throws unless the address is one of rtmalloc's blocks.
                    if (RtMalloc.global().usableSize(buf.memoryAddress()) < 1000) {
                        throw new AssertionError("block too small");
                    }
                    return RtMalloc.global().frontEnd() + " "
                            + System.identityHashCode(DefaultAllocationManagerFactory.FACTORY);
                }
            });
        }
        GlobalSettingsProbes.report("rtmalloc", "rtmalloc cause", () -> RtMalloc.global().frontEnd());
    }
}
