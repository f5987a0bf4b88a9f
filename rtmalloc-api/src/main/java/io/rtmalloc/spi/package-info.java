/**
 * The service interfaces between rtmalloc's tiers: a front end
 * ({@link io.rtmalloc.spi.FrontEnd}, made by a {@link io.rtmalloc.spi.FrontEndProvider}) over a central cache
 * ({@link io.rtmalloc.spi.CentralCache}) over a page heap
 * ({@link io.rtmalloc.spi.PageHeap}), each provided by its own module and found
 * through {@link java.util.ServiceLoader} or the OSGi service registry, plus the
 * shared pieces every tier needs ({@link io.rtmalloc.spi.Span},
 * {@link io.rtmalloc.spi.NativeMemory}, {@link io.rtmalloc.spi.Switches}).
 */
package io.rtmalloc.spi;
