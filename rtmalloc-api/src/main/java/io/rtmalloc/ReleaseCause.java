package io.rtmalloc;

/** Why the page heap returned free pages to the operating system. */
public enum ReleaseCause {
    /** {@code releaseFreeMemory()} was called. */
    REQUEST("request"),
    /** The pages stayed free for the decay time ({@code release_decay_ms}). */
    DECAY("decay"),
    /** A freed large block ({@code large_release_threshold} or more) waited its short delay, or none. */
    LARGE_FREE("large free"),
    /** The resident memory was at the soft limit ({@code memory_limit}) or would have passed a limit. */
    LIMIT("limit"),
    /**
     * Free pages next to untouched ones were released so that the two could be
     * merged into one span for a request no single free span could serve.
     */
    MERGE("merge");

    private final String label;

    ReleaseCause(String label) {
        this.label = label;
    }

    /**
     * The name in reports and JFR events.
     *
     * @return the name in reports and JFR events
     */
    public String label() {
        return label;
    }
}
