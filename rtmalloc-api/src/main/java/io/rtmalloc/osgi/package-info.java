/**
 * rtmalloc in an OSGi framework: {@link io.rtmalloc.osgi.TierActivator}, the
 * activator of every tier bundle, registers each tier's provider as an OSGi
 * service and publishes an {@link io.rtmalloc.Allocator} service for each front
 * end, with the service property {@code rtmalloc.frontend} naming it.
 *
 * <p>Only this package needs the OSGi framework API (a {@code requires static}
 * dependency of the module): outside OSGi nothing loads it.
 */
package io.rtmalloc.osgi;
