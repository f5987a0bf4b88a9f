package io.rtmalloc.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The intrusive list over a small "heap" of 64-byte blocks in memory of the test's own. */
class FreeListTest {

    private static final int PAGE_SHIFT = 12;
    private static final int BLOCK = 64;
    private static final long HEAP_BYTES = 16 << PAGE_SHIFT;
    /** An address outside the heap, as a write to a freed block might leave in a link. */
    private static final long GARBAGE = 0x7fff_dead_bee0L;

    private Arena arena;
    private HeapIndex index;
    private long base;

    @BeforeEach
    void heap() {
        arena = Arena.ofConfined();
        MemorySegment heap = arena.allocate(HEAP_BYTES, 1 << PAGE_SHIFT);
        MemorySegment words = arena.allocate(8 * (HEAP_BYTES >>> PAGE_SHIFT), 8);
        base = heap.address();
        index = new HeapIndex(base, words.address(), PAGE_SHIFT);
        index.setMapped(HEAP_BYTES);
        heap.fill((byte) 0x5a); // no link starts out 0 by chance
    }

    @AfterEach
    void unmap() {
        arena.close();
    }

    private long block(int i) {
        return base + (long) i * BLOCK;
    }

    /** The list of blocks 1..n pushed in order: head block(n), then n-1, ..., block(1) linked to 0. */
    private long pushed(int n) {
        long head = 0;
        for (int i = 1; i <= n; i++) {
            head = FreeList.push(head, block(i));
        }
        return head;
    }

    @Test
    void push_putsTheBlockInFrontAndLinksTheOldHead() {
        long head = pushed(3);
        assertEquals(block(3), head);
        assertEquals(block(2), FreeList.next(block(3)));
        assertEquals(block(1), FreeList.next(block(2)));
        assertEquals(0, FreeList.next(block(1)), "the first block pushed on an empty list ends it");
        FreeList.link(block(1), block(7));
        assertEquals(block(7), FreeList.next(block(1)));
    }

    @Test
    void nth_walksCheckedLinks_andAnswers0AtALinkOutsideTheHeap() {
        long head = pushed(5); // 5 4 3 2 1
        assertEquals(block(5), FreeList.nth(head, 1, index));
        assertEquals(block(1), FreeList.nth(head, 5, index));
        assertEquals(0, FreeList.nth(head, 6, index), "past the end: the link 0 is outside the heap");
        assertEquals(0, FreeList.nth(0, 1, index), "the empty list");

        FreeList.link(block(3), GARBAGE); // 5 4 3 -> garbage
        assertEquals(block(3), FreeList.nth(head, 3, index), "the walk up to the damaged block is fine");
        assertEquals(0, FreeList.nth(head, 4, index));
        assertEquals(GARBAGE, FreeList.firstOutside(head, 4, index));
        assertEquals(GARBAGE, FreeList.firstOutside(head, 5, index));
        assertEquals(0, FreeList.firstOutside(head, 3, index), "nothing outside in the first three");
    }

    @Test
    void cutAfter_unlinksAChainAndRelinksAroundIt() {
        long head = pushed(5); // 5 4 3 2 1
        long first = FreeList.cutAfter(head, 2, index);
        assertEquals(block(4), first);
        assertEquals(block(3), FreeList.next(block(4)), "the chain cut keeps its links");
        assertEquals(block(2), FreeList.next(head), "the head now links past the chain");
        assertEquals(block(1), FreeList.nth(head, 3, index));
        assertEquals(0, FreeList.nth(head, 4, index), "the list is now 5 2 1");
    }

    @Test
    void cutAfter_changesNothingWhenTheWalkMeetsALinkOutsideTheHeap() {
        long head = pushed(5); // 5 4 3 2 1
        FreeList.link(block(3), GARBAGE);
        assertEquals(0, FreeList.cutAfter(head, 3, index));
        assertEquals(block(4), FreeList.next(head), "the head keeps its link");
        assertEquals(block(3), FreeList.next(block(4)));
        assertEquals(GARBAGE, FreeList.next(block(3)));
    }

    @Test
    void copy_stopsAtTheFirstBlockOutsideTheHeap_andReadsNoWordOfTheLast() {
        long head = pushed(5); // 5 4 3 2 1
        long[] dst = new long[8];
        assertEquals(5, FreeList.copy(head, 5, dst, 2, index));
        assertEquals(block(5), dst[2]);
        assertEquals(block(1), dst[6]);

        FreeList.link(block(1), GARBAGE); // the last block's word: not read for a chain of 5
        assertEquals(5, FreeList.copy(head, 5, dst, 0, index));
        assertEquals(5, FreeList.copy(head, 6, dst, 0, index), "the 6th is garbage: not copied");

        FreeList.link(block(3), GARBAGE);
        long[] out = new long[5];
        assertEquals(3, FreeList.copy(head, 5, out, 0, index));
        assertEquals(block(3), out[2]);
        assertEquals(0, out[3], "nothing copied after the damaged link");
        assertEquals(0, FreeList.copy(GARBAGE, 2, out, 0, index));
    }

    @Test
    void pushAll_pushesAnArrayInOrder() {
        long[] src = {99, block(1), block(2), block(3), 99};
        long head = FreeList.pushAll(0, src, 1, 3);
        assertEquals(block(3), head);
        assertEquals(block(2), FreeList.next(block(3)));
        assertEquals(block(1), FreeList.next(block(2)));
        assertEquals(0, FreeList.next(block(1)));

        long[] more = {block(8), block(9)};
        assertEquals(block(9), FreeList.pushAll(head, more, 0, 2));
        assertEquals(block(8), FreeList.next(block(9)));
        assertEquals(block(3), FreeList.next(block(8)), "the first pushed links to the old head");
        assertEquals(block(9), FreeList.pushAll(block(9), more, 0, 0), "nothing pushed");
    }

    @Test
    void brokenChain_namesTheClassThePositionAndTheLink() {
        String message = FreeList.brokenChain(7, 32, 5, GARBAGE).getMessage();
        assertTrue(message.contains("size class 7") && message.contains("32 blocks")
                && message.contains("position 5") && message.contains(Long.toHexString(GARBAGE)), message);
    }
}
