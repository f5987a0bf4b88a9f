/**
 * The per-thread front end of rtmalloc: each platform thread has, per
 * allocator and size class, an intrusive free list of blocks
 * ({@link io.rtmalloc.spi.FreeList}, in {@link io.rtmalloc.threadcache.ThreadCache}), refilled from and flushed to
 * the transfer cache in batches, with tcmalloc's adaptive list lengths and a
 * process-wide budget ({@link io.rtmalloc.threadcache.ThreadCacheBudget}).
 *
 * <h2>Finding the thread's cache</h2>
 * The front end ({@link io.rtmalloc.threadcache.ThreadCacheFrontEnd}) finds
 * the calling thread's cache in a table of 4096 slots indexed by the thread's
 * id, checking the cache's owner id: no {@link java.lang.ThreadLocal} probe
 * on the fast path. The {@code ThreadLocal} is the fallback, for a thread's
 * first call and for a thread whose slot another live thread holds; a slot
 * is emptied when its cache is retired. A thread-bound view
 * ({@code Allocator.threadBound()}) holds the cache itself.
 *
 * <h2>Threads that end</h2>
 * A thread's cache goes back to the central tier when the thread dies: the
 * budget sweeps the caches of dead threads whenever a new cache registers, and
 * a {@link java.lang.ref.Cleaner} on the thread's handle gives the cache back
 * once the handle is unreachable, whichever comes first.
 * {@code Allocator.flushThreadCache()} empties the calling thread's cache at
 * once.
 *
 * <h2>Virtual threads</h2>
 * Virtual threads own no cache. Millions of them may exist, each alive for a
 * short task, and a cache per virtual thread would hold memory (and a registry
 * entry) for each. They share caches per logical CPU instead
 * ({@code io.rtmalloc.spi.CpuCaches}, the machinery of the per-CPU front
 * end): a virtual thread takes the cache of the CPU its carrier runs on
 * through that cache's owner word, so memory in front-end caches grows with
 * the number of CPUs, not of virtual threads, and a virtual thread that parks
 * in the central cache holds no CPU cache meanwhile. {@code threadBound()} on
 * a virtual thread gives a checked view over the CPU caches.
 */
package io.rtmalloc.threadcache;
