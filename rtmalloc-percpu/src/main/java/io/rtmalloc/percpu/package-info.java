/**
 * The per-CPU front end of rtmalloc: per logical CPU and size class, a bounded
 * cache of blocks owned by whoever wins a CAS on the CPU's owner word. Not yet
 * provided: this module is the place of that front end.
 */
package io.rtmalloc.percpu;
