package io.rtmalloc.central;

import io.rtmalloc.jcstress.Blocks;
import io.rtmalloc.jcstress.Tiers;
import io.rtmalloc.spi.NativeMemory;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.HashSet;
import java.util.Set;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A batch given back ({@link TransferCache#insertRange}, a front end's flush)
 * racing a batch taken ({@link TransferCache#removeRange}, a front end's
 * refill) on a transfer cache of two slots of 2 blocks, in front of a central
 * free list of its own over the shared page heap. The cache holds 1, 2, 3
 * (oldest first), so the insert of 4 -> 5 must first spill the oldest batch
 * to the list. Every block ends in exactly one place: the removed chain, the
 * cache, or the list's free blocks, which the list's own invariant check
 * collects.
 *
 * <p>r1: the removed chain, head first; r2: the blocks the cache holds after
 * both; r3: the blocks free in the list (both sorted); r4: 1 when the list's
 * count of blocks handed out matches the blocks outside it.
 */
@JCStressTest
@Description("TransferCache: insertRange with a spill against removeRange")
@Outcome(id = "54, 3, 12, 1", expect = ACCEPTABLE, desc = "insert first: 1 and 2 spilled, the remove took the new batch")
@Outcome(id = "32, 145, 0, 1", expect = ACCEPTABLE, desc = "remove first: room left for the insert, nothing spilled")
@Outcome(expect = FORBIDDEN, desc = "a block lost, duplicated or in two places, or the list's count off")
@State
public class TransferCacheSpillStress {

    private static final int CL = Tiers.SMALL;

    private final CentralFreeList list = new CentralFreeList(CL, Tiers.CLASSES.size(CL), Tiers.CLASSES.pages(CL),
            Tiers.CLASSES.objectsPerSpan(CL), Tiers.HEAP);
    private final TransferCache cache = new TransferCache(2, 2, list);
    private final Blocks blocks;
    private long removed;

    public TransferCacheSpillStress() {
        long[] taken = new long[5];
        list.removeInto(taken, 0, 5);
        blocks = new Blocks(taken);
        cache.insertRange(blocks.chain(1, 2, 3), 3);
    }

    @Actor
    public void insert() {
        cache.insertRange(blocks.chain(4, 5), 2);
    }

    @Actor
    public void remove() {
        removed = cache.removeRange(2);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = blocks.digits(removed, 2);
        Set<Long> outside = new HashSet<>();
        cache.collect(outside);
        r.r2 = blocks.sortedDigits(outside);
        boolean distinct = true;
        int n = 0;
        for (long b = removed; b != 0 && n < 3; b = NativeMemory.getLong(b), n++) {
            distinct &= outside.add(b);
        }
        Set<Long> free = new HashSet<>(outside);
        list.checkInvariants(free); // adds the list's free blocks, and throws for one also outside
        free.removeAll(outside);
        // The list carves a page at a time: its other free blocks are not this test's.
        free.removeIf(a -> blocks.name(a) == Blocks.FOREIGN);
        r.r3 = blocks.sortedDigits(free);
        r.r4 = distinct && list.handedOut() == outside.size() && outside.size() + free.size() == blocks.count() ? 1 : 0;
        if (r.r4 == 1) { // each block in one place: all go back to the list, whose span goes back to the heap
            cache.drain();
            list.insertChain(removed, n);
        }
    }
}
