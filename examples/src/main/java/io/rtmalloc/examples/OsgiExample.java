package io.rtmalloc.examples;

import io.rtmalloc.Allocator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The README's OSGi example: a bundle's code looking up the {@link Allocator}
 * service of one front end by its {@code rtmalloc.frontend} property, then
 * allocating, writing, reading back and freeing. rtmalloc-osgi-tests runs it
 * inside Apache Felix, from this jar installed as a bundle.
 */
public final class OsgiExample {

    private OsgiExample() {
    }

    /**
     * Allocates a segment from the {@code frontEnd} allocator service, writes a
     * value, reads it back and frees it.
     *
     * @return the value read back
     * @throws IllegalStateException if no allocator of that front end is registered
     */
    public static long roundTrip(BundleContext context, String frontEnd, long value) throws InvalidSyntaxException {
        var refs = context.getServiceReferences(Allocator.class, "(rtmalloc.frontend=" + frontEnd + ")");
        if (refs.isEmpty()) {
            throw new IllegalStateException("no " + frontEnd + " allocator registered");
        }
        ServiceReference<Allocator> ref = refs.iterator().next();
        Allocator a = context.getService(ref);
        try {
            MemorySegment s = a.allocate(ValueLayout.JAVA_LONG);
            s.set(ValueLayout.JAVA_LONG, 0, value);
            long read = s.get(ValueLayout.JAVA_LONG, 0);
            a.free(s);
            return read;
        } finally {
            context.ungetService(ref);
        }
    }
}
