package io.rtmalloc;

/**
 * How an allocator's free memory went back to the operating system, and its
 * limits. Bytes are cumulative since the allocator was built, by cause (see
 * {@link ReleaseCause}); limits are current (0: none).
 *
 * @param requestBytes      released by {@code releaseFreeMemory()}
 * @param decayBytes        released after staying free for {@code release_decay_ms}
 * @param largeFreeBytes    freed large blocks released at free or after {@code large_release_delay_ms}
 * @param limitBytes        released because the resident memory reached the soft limit or would
 *                          have passed a limit
 * @param mergeBytes        released to merge free pages with untouched neighbours into a span
 *                          that a request needed
 * @param releases          release operations ({@code madvise} calls) of every cause
 * @param softLimit         the soft limit on resident bytes ({@code memory_limit}), 0 when none
 * @param hardLimit         the hard limit on resident bytes ({@code memory_limit_hard}), 0 when none
 * @param softLimitHits     times the page heap found the soft limit reached when it needed
 *                          untouched pages, and released free pages first
 * @param hardLimitRefusals requests refused with {@link OutOfMemoryError} by the hard limit
 */
public record ReleaseStats(long requestBytes, long decayBytes, long largeFreeBytes, long limitBytes,
                           long mergeBytes, long releases, long softLimit, long hardLimit,
                           long softLimitHits, long hardLimitRefusals) {

    /** No release and no limit. */
    public static final ReleaseStats NONE = new ReleaseStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * Bytes released for {@code cause}.
     *
     * @param cause the cause
     * @return the bytes released for that cause
     */
    public long bytes(ReleaseCause cause) {
        return switch (cause) {
            case REQUEST -> requestBytes;
            case DECAY -> decayBytes;
            case LARGE_FREE -> largeFreeBytes;
            case LIMIT -> limitBytes;
            case MERGE -> mergeBytes;
        };
    }

    /**
     * Bytes released for every cause.
     *
     * @return the bytes released in all
     */
    public long totalBytes() {
        return requestBytes + decayBytes + largeFreeBytes + limitBytes + mergeBytes;
    }
}
