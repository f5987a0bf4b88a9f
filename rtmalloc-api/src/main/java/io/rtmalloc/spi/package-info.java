/**
 * The service interfaces between rtmalloc's tiers: a front end
 * ({@link io.rtmalloc.spi.FrontEnd}, made by a {@link io.rtmalloc.spi.FrontEndProvider}) over a central cache
 * ({@link io.rtmalloc.spi.CentralCache}) over a page heap
 * ({@link io.rtmalloc.spi.PageHeap}), each provided by its own module and found
 * through {@link java.util.ServiceLoader} or the OSGi service registry, plus the
 * shared pieces every tier needs ({@link io.rtmalloc.spi.Span},
 * {@link io.rtmalloc.spi.NativeMemory}, {@link io.rtmalloc.spi.Switches}) and
 * the assembly of stacks over providers ({@link io.rtmalloc.spi.Stacks}).
 *
 * <p>Internal to rtmalloc: {@link io.rtmalloc.spi.NativeMemory} reads and
 * writes any address with the API module's native access, and the allocator
 * trusts what its tiers return. The API module exports this package to the tier
 * modules only, and its OSGi bundle exports it with the mandatory attribute
 * {@code rtmalloc.internal}, which only the tier bundles import.
 */
package io.rtmalloc.spi;
