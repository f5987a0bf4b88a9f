package io.rtmalloc.arrow;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
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
 * then {@code rtmalloc: ...} for {@code RtMalloc.global()} the same way. It
 * exits 0 whatever the calls did: the test judges the lines.
 */
public final class GlobalSettingsProbe {

    private GlobalSettingsProbe() {
    }

    public static void main(String[] args) {
        for (int call = 1; call <= 3; call++) {
            try {
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
                System.out.println("call " + call + ": built " + f.allocator().frontEnd() + " "
                        + System.identityHashCode(f));
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
