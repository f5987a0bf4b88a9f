/**
 * rtmalloc's per-thread front end: caches of small blocks per thread, so that
 * most calls touch no lock and no atomic.
 */
module io.rtmalloc.threadcache {
    requires io.rtmalloc.api;

    provides io.rtmalloc.spi.FrontEndProvider with io.rtmalloc.threadcache.ThreadCacheFrontEndProvider;
}
