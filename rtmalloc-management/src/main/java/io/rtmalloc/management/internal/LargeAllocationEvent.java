package io.rtmalloc.management.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: a block above the largest size class, served as whole pages from
 * the page heap. Enabled like any JFR event (for example
 * {@code -XX:StartFlightRecording} with a settings file naming
 * {@code io.rtmalloc.LargeAllocation}); committed only when enabled.
 */
@Name("io.rtmalloc.LargeAllocation")
@Label("rtmalloc Large Allocation")
@Category({"rtmalloc"})
@Description("A block above the largest size class, served as whole pages")
@StackTrace(true)
final class LargeAllocationEvent extends jdk.jfr.Event {

    @Label("Requested Size")
    @DataAmount
    long requested;

    @Label("Block Size")
    @DataAmount
    long size;

    @Label("Address")
    long address;

    @Label("Front End")
    String frontEnd;
}
