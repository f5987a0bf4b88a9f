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
 * On the class path, beside Arrow's own unsafe manager, this jar makes
 * rtmalloc the manager of a plain {@code new RootAllocator()}.
 */
class DefaultAllocationManagerFactoryTest {

    @Test
    void noArgumentRootAllocator_takesItsBuffersFromRtMallocGlobal() {
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
