package io.rtmalloc.management.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event: free pages returned to the OS ({@code MADV_DONTNEED}), one event
 * per release (a request releases in pieces of at most 32 MiB), with its cause:
 * {@code request} ({@code releaseFreeMemory()}), {@code decay}, {@code large free},
 * {@code limit} or {@code merge} (see {@link io.rtmalloc.ReleaseCause}).
 */
@Name("io.rtmalloc.MemoryRelease")
@Label("rtmalloc Memory Release")
@Category({"rtmalloc"})
@Description("Free pages returned to the operating system")
final class MemoryReleaseEvent extends jdk.jfr.Event {

    @Label("Released")
    @DataAmount
    long bytes;

    @Label("Still Mapped")
    @DataAmount
    long mapped;

    @Label("Cause")
    @Description("request, decay, large free, limit or merge")
    String cause;

    @Label("Front End")
    String frontEnd;
}
