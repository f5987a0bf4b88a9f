package io.rtmalloc.management;

import io.rtmalloc.Allocator;

import java.lang.management.ManagementFactory;
import java.util.Objects;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Registers allocators in the platform MBean server, as
 * {@code io.rtmalloc:type=Allocator,name=<name>}. An allocator built with
 * {@code RtMalloc.builder().name(...)} is registered by this module on its own
 * and unregistered when it closes; any other can be registered here.
 */
public final class AllocatorMXBeans {

    private AllocatorMXBeans() {
    }

    /**
     * The object name of the allocator called {@code name}.
     *
     * @param name the allocator's name
     * @return {@code io.rtmalloc:type=Allocator,name=<quoted name>}
     * @throws IllegalArgumentException if no object name can hold it
     */
    public static ObjectName objectName(String name) {
        try {
            return ObjectName.getInstance("io.rtmalloc:type=Allocator,name=" + ObjectName.quote(name));
        } catch (JMException e) {
            throw new IllegalArgumentException("not a usable allocator name: " + name, e);
        }
    }

    /**
     * Registers {@code allocator} under {@code name}.
     *
     * @param name      the name in the object name
     * @param allocator the allocator the MXBean reads
     * @return the object name registered
     * @throws IllegalArgumentException if an allocator of that name is already registered
     */
    public static ObjectName register(String name, Allocator allocator) {
        ObjectName on = objectName(name);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(new View(name, allocator), on);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("an rtmalloc allocator named '" + name + "' is already registered", e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + on, e);
        }
        return on;
    }

    /**
     * Unregisters the allocator called {@code name}, if registered.
     *
     * @param name the name it was registered under
     */
    public static void unregister(String name) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName on = objectName(name);
            if (server.isRegistered(on)) {
                server.unregisterMBean(on);
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister allocator " + name, e);
        }
    }

    /** The MXBean: each getter reads a fresh snapshot. */
    private record View(String name, Allocator allocator) implements AllocatorMXBean {
        View {
            Objects.requireNonNull(name);
            Objects.requireNonNull(allocator);
        }

        @Override public String getName() { return name; }
        @Override public String getFrontEnd() { return allocator.frontEnd(); }
        @Override public long getBytesInUse() { return allocator.stats().bytesInUse(); }
        @Override public long getFrontEndCacheBytes() { return allocator.stats().frontEndCacheBytes(); }
        @Override public long getTransferCacheBytes() { return allocator.stats().transferCacheBytes(); }
        @Override public long getCentralFreeBytes() { return allocator.stats().centralFreeBytes(); }
        @Override public long getPageHeapFreeBytes() { return allocator.stats().pageHeapFreeBytes(); }
        @Override public long getReleasedBytes() { return allocator.stats().releasedBytes(); }
        @Override public long getMappedBytes() { return allocator.stats().mappedBytes(); }
        @Override public long getResidentBytes() { return allocator.stats().residentBytes(); }
        @Override public long getMetadataBytes() { return allocator.stats().metadataBytes(); }
        @Override public long getBytesReleasedTotal() { return allocator.stats().bytesReleasedTotal(); }
        @Override public long getBytesReleasedByDecay() { return allocator.stats().release().decayBytes(); }
        @Override public long getMemoryLimit() { return allocator.stats().release().softLimit(); }
        @Override public long getHardMemoryLimit() { return allocator.stats().release().hardLimit(); }

        @Override
        public void setMemoryLimit(long bytes) {
            synchronized (this) { // a soft and a hard limit set from two JMX clients at once stay a pair
                allocator.setMemoryLimits(bytes, getHardMemoryLimit());
            }
        }

        @Override
        public void setHardMemoryLimit(long bytes) {
            synchronized (this) {
                allocator.setMemoryLimits(getMemoryLimit(), bytes);
            }
        }

        @Override public String getReport() { return allocator.stats().toString(); }
        @Override public long releaseFreeMemory() { return allocator.releaseFreeMemory(); }
    }
}
