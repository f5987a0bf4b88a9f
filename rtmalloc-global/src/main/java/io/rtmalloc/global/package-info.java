/**
 * The single-global front end of rtmalloc: it keeps no per-thread or per-CPU
 * state, and every {@code malloc} and {@code free} goes to the transfer cache
 * of its size class (one lock per class). It is the simplest stack and the
 * baseline the caching front ends are measured against.
 */
package io.rtmalloc.global;
