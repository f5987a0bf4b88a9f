package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;

/**
 * Calls {@link RtMalloc#global()} three times, as a program of its own, so that
 * a forked JVM can run it under the settings of {@link GlobalSettingsForkedTest}.
 * For each call it prints one line: {@code call N: built <front end> <identity>},
 * or {@code call N: <exception class>: <message>} and {@code cause N: <cause class>}.
 * It exits 0 whatever the calls did: the test judges the lines.
 */
public final class GlobalSettingsProbe {

    private GlobalSettingsProbe() {
    }

    public static void main(String[] args) {
        for (int call = 1; call <= 3; call++) {
            try {
                Allocator a = RtMalloc.global();
                System.out.println("call " + call + ": built " + a.frontEnd() + " " + System.identityHashCode(a));
            } catch (Throwable t) {
                System.out.println("call " + call + ": " + t.getClass().getName() + ": " + oneLine(t.getMessage()));
                Throwable c = t.getCause();
                System.out.println("cause " + call + ": " + (c == null ? "none" : c.getClass().getName()));
            }
        }
    }

    private static String oneLine(String s) {
        return s == null ? "null" : s.replace("\n", "\\n");
    }
}
