/**
 * The per-thread front end of rtmalloc: each platform thread has, per
 * allocator and size class, an intrusive free list of blocks
 * ({@link io.rtmalloc.threadcache.ThreadCache}), refilled from and flushed to
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
 * entry) for each; keying caches by carrier thread is not possible from
 * outside the JDK. So a virtual thread's small {@code malloc} and {@code free}
 * go straight to the transfer cache of the size class (one lock per class, as
 * in the global front end): memory in front-end caches does not grow with the
 * number of virtual threads, and every block a virtual thread frees is at once
 * available to all threads. The per-CPU front end is the one built for virtual
 * threads. {@code threadBound()} on a virtual thread gives a checked view of
 * the allocator without a cache.
 */
package io.rtmalloc.threadcache;
