package io.rtmalloc.arrow.defaults;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
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
 * then {@code rtmalloc: ...} for {@code RtMalloc.global()} the same way. It
 * exits 0 whatever the calls did: the test judges the lines.
 */
public final class GlobalSettingsProbe {

    private GlobalSettingsProbe() {
    }

    public static void main(String[] args) {
        for (int call = 1; call <= 3; call++) {
            try (BufferAllocator root = new RootAllocator();
                 ArrowBuf buf = root.buffer(1000)) {
                // Throws unless the address is one of rtmalloc's blocks.
                if (RtMalloc.global().usableSize(buf.memoryAddress()) < 1000) {
                    throw new AssertionError("block too small");
                }
                System.out.println("call " + call + ": built " + RtMalloc.global().frontEnd() + " "
                        + System.identityHashCode(DefaultAllocationManagerFactory.FACTORY));
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
