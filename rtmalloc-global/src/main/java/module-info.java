/**
 * rtmalloc's single-global front end: no per-thread state, every call goes to
 * the central tier.
 */
module io.rtmalloc.global {
    requires io.rtmalloc.api;

    provides io.rtmalloc.spi.FrontEndProvider with io.rtmalloc.global.GlobalFrontEndProvider;
}
