package io.rtmalloc.spi;

/**
 * One size class as the central tier sees it.
 *
 * @param spans          SMALL spans of this class
 * @param handedOut      blocks outside the central free lists: in the transfer
 *                       cache, in front-end caches or in use by the application
 * @param inTransfer     blocks in the transfer cache
 * @param freeInSpans    blocks free in the spans (carved or not yet carved)
 */
public record CentralClassStats(long spans, long handedOut, long inTransfer, long freeInSpans) {
}
