/**
 * rtmalloc's management: allocators as MXBeans
 * ({@link io.rtmalloc.management.AllocatorMXBeans}), JFR events for large
 * allocations and releases of memory, and the size-class advisor
 * ({@link io.rtmalloc.management.SizeClassAdvisor}) that turns a recorded
 * {@link io.rtmalloc.AllocationHistogram} into a configuration. With this
 * module absent the allocator loads no JMX or JFR class.
 */
module io.rtmalloc.management {
    requires transitive io.rtmalloc.api;
    requires transitive io.rtmalloc.toml;
    requires transitive java.management;
    requires jdk.jfr;

    exports io.rtmalloc.management;

    provides io.rtmalloc.spi.AllocatorListener with io.rtmalloc.management.internal.ManagementListener;
}
