package io.rtmalloc.arrow.defaults;

import io.rtmalloc.RtMalloc;
import io.rtmalloc.arrow.RtMallocAllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the class path this jar makes rtmalloc the manager of a plain
 * {@code new RootAllocator()}: beside Arrow's own unsafe manager (the default
 * test run) and without it (the {@code without-arrow-managers} run).
 */
class DefaultAllocationManagerFactoryTest {

    /** Whether Arrow's unsafe manager is on the class path (the runs say which they expect). */
    static boolean arrowsUnsafeManagerPresent() {
        try {
            Class.forName("org.apache.arrow.memory.unsafe.DefaultAllocationManagerFactory");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void noArgumentRootAllocator_takesItsBuffersFromRtMallocGlobal() {
        assertEquals(Boolean.parseBoolean(System.getProperty("rtmalloc.test.arrowUnsafe", "true")),
                arrowsUnsafeManagerPresent(), "the run's class path");
        assertSame(RtMallocAllocationManager.factory(),
                org.apache.arrow.memory.DefaultAllocationManagerFactory.FACTORY);
        try (BufferAllocator root = new RootAllocator();
             BigIntVector v = new BigIntVector("v", root)) {
            ArrowBuf buf = root.buffer(3 << 20);
            // Were this an Unsafe (malloc) block, rtmalloc would refuse its address.
            assertTrue(RtMalloc.global().usableSize(buf.memoryAddress()) >= 3 << 20);
            for (int i = 0; i < 100_000; i++) {
                v.setSafe(i, i);
            }
            v.setValueCount(100_000);
            assertTrue(RtMalloc.global().usableSize(v.getDataBuffer().memoryAddress()) >= 800_000);
            assertEquals(99_999L, v.get(99_999));
            buf.close();
        }
    }
}
