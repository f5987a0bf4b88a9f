/**
 * The end-to-end test module: it requires every tier so that each is a named
 * module on the module path and found through its {@code provides}.
 */
module io.rtmalloc.tests {
    requires io.rtmalloc.api;
    requires io.rtmalloc.pageheap;
    requires io.rtmalloc.central;
    requires io.rtmalloc.global;
    requires io.rtmalloc.threadcache;
    requires io.rtmalloc.percpu;
    requires java.management;
    requires jdk.jfr;
}
