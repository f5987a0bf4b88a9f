package io.rtmalloc.spi;

/**
 * The debugging and observability switches, each read once from a system
 * property into a {@code static final} field, so that C2 folds a switch that
 * is off and the code it guards costs nothing.
 */
public final class Switches {

    /**
     * Checked mode ({@code -Drtmalloc.checked=true}): every free is validated
     * as fully as the page map allows (block boundary, span state), and a sized
     * free checks its size against the block.
     */
    public static final boolean CHECKED = Boolean.getBoolean("rtmalloc.checked");

    /**
     * Stats mode ({@code -Drtmalloc.stats=true}): front ends count hits,
     * misses, refills and flushes per class, and the allocator counts calls.
     */
    public static final boolean STATS = Boolean.getBoolean("rtmalloc.stats");

    private Switches() {
    }
}
