package io.rtmalloc.netty;

import io.netty.buffer.ByteBuf;

import java.lang.foreign.MemorySegment;

/** Where a direct buffer's memory is, whichever of Netty's direct buffers it is. */
final class MemorySegments {

    private MemorySegments() {
    }

    static long address(ByteBuf b) {
        return b.hasMemoryAddress() ? b.memoryAddress() : MemorySegment.ofBuffer(b.nioBuffer(0, 0)).address();
    }
}
