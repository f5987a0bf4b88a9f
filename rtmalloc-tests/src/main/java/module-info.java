/**
 * The end-to-end test module: it requires every tier and satellite so that each
 * is a named module on the module path and found through its {@code provides}.
 */
module io.rtmalloc.tests {
    requires io.rtmalloc.api;
    requires io.rtmalloc.pageheap;
    requires io.rtmalloc.central;
    requires io.rtmalloc.global;
    requires io.rtmalloc.threadcache;
    requires io.rtmalloc.percpu;
    requires io.rtmalloc.toml;
    requires io.rtmalloc.management;
    requires java.management;
    requires jdk.jfr;
}
