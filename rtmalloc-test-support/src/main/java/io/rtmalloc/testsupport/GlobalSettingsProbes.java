package io.rtmalloc.testsupport;

import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lines of a probe of the global allocator's settings, both ends: a probe
 * is a program that a {@link ForkedJvm} runs under some settings; it makes
 * three calls that build on {@code RtMalloc.global()} and {@link #report}s each
 * (a probe of an adapter then reports {@code RtMalloc.global()} itself as
 * {@code rtmalloc}), and exits 0 whatever they did. The test then judges its
 * lines with {@link #sameFailureEveryCall}, {@link #sameFailureAsGlobal} or
 * {@link #sameBuildEveryCall}.
 *
 * <p>The lines: {@code call N: built <what>}, or {@code call N: <exception class>:
 * <message>} and {@code cause N: <cause class or none>} (a message on one line,
 * its line breaks written {@code \n}).
 */
public final class GlobalSettingsProbes {

    /** How the {@link IllegalStateException} of {@code RtMalloc.global()} under a bad setting starts, as a probe prints it. */
    public static final String FAILURE = "java.lang.IllegalStateException: rtmalloc: RtMalloc.global() cannot be built: ";

    /** The number of calls a probe makes. */
    public static final int CALLS = 3;

    private GlobalSettingsProbes() {
    }

    /**
     * Runs {@code call} and prints its line: {@code <label>: built <what it returned>},
     * or for a throwable {@code <label>: <class>: <message>} and
     * {@code <causeLabel>: <class of its cause, or none>}.
     *
     * @param label      the start of the line, such as {@code call 1}
     * @param causeLabel the start of the cause's line, such as {@code cause 1}
     * @param call       what to run; it returns what it built, for the line
     */
    public static void report(String label, String causeLabel, Callable<String> call) {
        String built;
        try {
            built = call.call();
        } catch (Throwable t) {
            System.out.println(label + ": " + t.getClass().getName() + ": " + oneLine(t.getMessage()));
            Throwable c = t.getCause();
            System.out.println(causeLabel + ": " + (c == null ? "none" : c.getClass().getName()));
            return;
        }
        System.out.println(label + ": built " + built);
    }

    /**
     * Checks that the probe exited 0 with no {@link ExceptionInInitializerError}
     * or {@link NoClassDefFoundError} in its output, and that its
     * {@value #CALLS} calls failed alike: the same line each, starting with
     * {@link #FAILURE}, with a {@code ConfigException} as cause.
     *
     * @param r the probe's run
     * @return the message of the failure, after {@link #FAILURE}
     */
    public static String sameFailureEveryCall(ForkedJvm.Result r) {
        String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertFalse(out.contains("ExceptionInInitializerError") || out.contains("NoClassDefFoundError"), out);
        String first = r.line("call 1: ");
        assertTrue(first.startsWith(FAILURE), out);
        for (int call = 1; call <= CALLS; call++) {
            assertEquals(first, r.line("call " + call + ": "), out);
            assertEquals("io.rtmalloc.ConfigException", r.line("cause " + call + ": "), out);
        }
        return first.substring(FAILURE.length());
    }

    /**
     * {@link #sameFailureEveryCall}, for a probe of an adapter that then
     * reports {@code RtMalloc.global()} itself as {@code rtmalloc}: checks too
     * that the adapter's calls failed with the very exception of
     * {@code RtMalloc.global()} (the same line, a {@code ConfigException} as
     * cause), not one of the adapter's own.
     *
     * @param r the probe's run
     * @return the message of the failure, after {@link #FAILURE}
     */
    public static String sameFailureAsGlobal(ForkedJvm.Result r) {
        String message = sameFailureEveryCall(r);
        assertEquals(FAILURE + message, r.line("rtmalloc: "), r.output());
        assertEquals("io.rtmalloc.ConfigException", r.line("rtmalloc cause: "), r.output());
        return message;
    }

    /**
     * Checks that the probe's {@value #CALLS} calls built the same thing over
     * {@code frontEnd}: {@value #CALLS} lines that start with {@code call}, the
     * same but for the number, each {@code built <frontEnd> ...}.
     *
     * @param r        the probe's run
     * @param frontEnd the front end every call must have built over
     */
    public static void sameBuildEveryCall(ForkedJvm.Result r, String frontEnd) {
        List<String> calls = r.output().lines().filter(l -> l.startsWith("call ")).toList();
        assertEquals(CALLS, calls.size(), r.output());
        String first = calls.getFirst().substring("call 1: ".length());
        assertTrue(first.startsWith("built " + frontEnd + " "), r.output());
        for (int call = 1; call <= CALLS; call++) {
            assertEquals("call " + call + ": " + first, calls.get(call - 1), r.output());
        }
    }

    private static String oneLine(String s) {
        return s == null ? "null" : s.replace("\n", "\\n");
    }
}
