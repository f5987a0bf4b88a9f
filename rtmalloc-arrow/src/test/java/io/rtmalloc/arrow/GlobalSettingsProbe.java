package io.rtmalloc.arrow;

import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.GlobalSettingsProbes;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Calls {@link RtMallocAllocationManager#factory()} three times, then
 * {@link RtMalloc#global()} once, as a program of its own, so that a forked JVM
 * can run it under the settings of {@link GlobalSettingsForkedTest}. For each
 * call of the adapter it prints one line: {@code call N: built <front end> <identity>}
 * (after a root allocator over the factory gave out an rtmalloc block), or
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
                RtMallocAllocationManagerFactory f = RtMallocAllocationManager.factory();
                if (f.allocator() != RtMalloc.global()) {
                    throw new AssertionError("not over RtMalloc.global(): " + f);
                }
                try (BufferAllocator root = new RootAllocator(RootAllocator.configBuilder()
                        .allocationManagerFactory(f).build());
                     ArrowBuf buf = root.buffer(1000)) {
                    // Throws unless the address is one of rtmalloc's blocks.
                    if (RtMalloc.global().usableSize(buf.memoryAddress()) < 1000) {
                        throw new AssertionError("block too small");
                    }
                }
                return f.allocator().frontEnd() + " " + System.identityHashCode(f);
            });
        }
        GlobalSettingsProbes.report("rtmalloc", "rtmalloc cause", () -> RtMalloc.global().frontEnd());
    }
}
