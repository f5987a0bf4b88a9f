package io.rtmalloc.spi;

import io.rtmalloc.ReleaseCause;

/**
 * Told of every release of free pages the page heap makes (for the JFR event of
 * each release). Called on the thread that released them, with or without the
 * page heap's lock: it must be quick and must not call the page heap.
 */
@FunctionalInterface
public interface ReleaseListener {

    /**
     * One release of free pages to the OS.
     *
     * @param cause  why the pages went back
     * @param bytes  bytes returned to the OS
     * @param mapped bytes the page heap has mapped, after the release
     */
    void released(ReleaseCause cause, long bytes, long mapped);
}
