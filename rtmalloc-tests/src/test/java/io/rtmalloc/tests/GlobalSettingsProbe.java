package io.rtmalloc.tests;

import io.rtmalloc.Allocator;
import io.rtmalloc.RtMalloc;
import io.rtmalloc.testsupport.GlobalSettingsProbes;

/**
 * Calls {@link RtMalloc#global()} three times, as a program of its own, so that
 * a forked JVM can run it under the settings of {@link GlobalSettingsForkedTest}.
 * For each call it prints one line: {@code call N: built <front end> <identity>},
 * or {@code call N: <exception class>: <message>} and {@code cause N: <cause class>}
 * ({@link GlobalSettingsProbes#report}). It exits 0 whatever the calls did: the
 * test judges the lines.
 */
public final class GlobalSettingsProbe {

    private GlobalSettingsProbe() {
    }

    public static void main(String[] args) {
        for (int call = 1; call <= GlobalSettingsProbes.CALLS; call++) {
            GlobalSettingsProbes.report("call " + call, "cause " + call, () -> {
                Allocator a = RtMalloc.global();
                return a.frontEnd() + " " + System.identityHashCode(a);
            });
        }
    }
}
