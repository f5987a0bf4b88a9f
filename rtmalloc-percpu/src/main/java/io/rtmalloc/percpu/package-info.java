/**
 * The per-CPU front end of rtmalloc: one cache of small blocks per logical CPU
 * ({@code io.rtmalloc.spi.CpuCaches}) instead of one per thread, so the
 * memory held in caches grows with cores, not with threads, and virtual
 * threads, which move between carriers, are served as well as platform ones.
 *
 * <p>A call reads the current CPU number ({@code io.rtmalloc.spi.CurrentCpu}:
 * glibc's rseq area, else {@code sched_getcpu}, else a thread-hash stripe),
 * wins that CPU's owner word with a CAS, pops or pushes, and releases the word.
 * A thread that loses the CAS, because the owner was preempted or because the
 * CPU number it read is stale, goes to the transfer cache instead of spinning:
 * a stale number costs speed, never safety. A miss or an overflow fetches from
 * or gives to the central cache with no CPU held. Releasing free memory drains
 * every CPU's cache through the same owner word.
 */
package io.rtmalloc.percpu;
