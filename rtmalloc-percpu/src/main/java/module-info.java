/**
 * rtmalloc's per-CPU front end: caches of small blocks per logical CPU, built
 * for virtual threads.
 */
module io.rtmalloc.percpu {
    requires io.rtmalloc.api;

    provides io.rtmalloc.spi.FrontEndProvider with io.rtmalloc.percpu.PerCpuFrontEndProvider;
}
