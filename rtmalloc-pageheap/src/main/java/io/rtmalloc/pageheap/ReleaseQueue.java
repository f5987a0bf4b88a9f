package io.rtmalloc.pageheap;

import io.rtmalloc.spi.Span;

/**
 * Free spans with touched pages waiting to be released, oldest first: a doubly
 * linked list through {@link Span#olderDirty} and {@link Span#newerDirty},
 * ordered by {@link Span#releaseAt}.
 *
 * <pre>
 *   oldest -> span -> span -> ... -> newest          releaseAt ascending
 * </pre>
 *
 * <p>Every operation is O(1) and keeps the order without comparing: a span
 * appended is due no earlier than any other (its time is now plus the queue's
 * delay, and the clock does not go back); a span that takes the place of
 * another, or goes just before it, has its time. The page heap keeps two: one
 * for the decay time, one for freed large blocks and their short delay.
 *
 * <p>Guarded by the page heap's lock.
 */
final class ReleaseQueue {

    private Span oldest;
    private Span newest;
    private long spans;

    /** The span due first, or null. */
    Span oldest() {
        return oldest;
    }

    /** The span due last, or null. */
    Span newest() {
        return newest;
    }

    long spans() {
        return spans;
    }

    /** Adds {@code s} as the newest: its time must be no earlier than any queued span's. */
    void append(Span s) {
        s.newerDirty = null;
        s.olderDirty = newest;
        if (newest != null) {
            newest.newerDirty = s;
        } else {
            oldest = s;
        }
        newest = s;
        spans++;
    }

    /** Adds {@code s}, whose time is {@code at}'s, just before the queued span {@code at}. */
    void insertBefore(Span at, Span s) {
        s.newerDirty = at;
        s.olderDirty = at.olderDirty;
        if (at.olderDirty != null) {
            at.olderDirty.newerDirty = s;
        } else {
            oldest = s;
        }
        at.olderDirty = s;
        spans++;
    }

    /** Puts {@code s}, whose time is {@code old}'s, in the place of the queued span {@code old}, which leaves. */
    void replace(Span old, Span s) {
        s.olderDirty = old.olderDirty;
        s.newerDirty = old.newerDirty;
        if (s.olderDirty != null) {
            s.olderDirty.newerDirty = s;
        } else {
            oldest = s;
        }
        if (s.newerDirty != null) {
            s.newerDirty.olderDirty = s;
        } else {
            newest = s;
        }
        old.olderDirty = null;
        old.newerDirty = null;
    }

    void remove(Span s) {
        if (s.olderDirty != null) {
            s.olderDirty.newerDirty = s.newerDirty;
        } else {
            oldest = s.newerDirty;
        }
        if (s.newerDirty != null) {
            s.newerDirty.olderDirty = s.olderDirty;
        } else {
            newest = s.olderDirty;
        }
        s.olderDirty = null;
        s.newerDirty = null;
        spans--;
    }
}
