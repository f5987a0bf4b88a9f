/**
 * The per-thread front end of rtmalloc: per thread and size class, an intrusive
 * free list of blocks refilled from and flushed to the transfer cache in
 * batches. Not yet provided: this module is the place of that front end.
 */
package io.rtmalloc.threadcache;
