package io.rtmalloc.central;

import io.rtmalloc.jcstress.Blocks;
import io.rtmalloc.jcstress.Tiers;
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
 * A single allocation ({@link TransferCache#allocate}, the global front end
 * and virtual threads) racing a single free ({@link TransferCache#free}) on
 * an empty transfer cache of two slots of 2 blocks, in front of a central
 * free list of its own: the allocation refills a batch from the list, or
 * takes the block just freed. Block 1 is the freed one; 9 stands for a block
 * fresh from the list.
 *
 * <p>r1: the block allocated; r2: how many blocks the cache holds after both;
 * r3: 1 when block 1 is among them; r4: 1 when the list's count of blocks
 * handed out matches the blocks outside it and no block is in two places.
 */
@JCStressTest
@Description("TransferCache: allocate with a refill against free")
@Outcome(id = "9, 2, 1, 1", expect = ACCEPTABLE, desc = "allocate first: a batch of 2 from the list, one handed out; then 1 freed")
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "free first: the allocation took block 1 back")
@Outcome(expect = FORBIDDEN, desc = "a block lost or handed out twice, or the list's count off")
@State
public class TransferCacheRefillStress {

    private static final int CL = Tiers.SMALL;

    private final CentralFreeList list = new CentralFreeList(CL, Tiers.CLASSES.size(CL), Tiers.CLASSES.pages(CL),
            Tiers.CLASSES.objectsPerSpan(CL), Tiers.HEAP);
    private final TransferCache cache = new TransferCache(2, 2, list);
    private final Blocks blocks = new Blocks(list.removeOne());
    private long allocated;

    @Actor
    public void allocate() {
        allocated = cache.allocate();
    }

    @Actor
    public void free() {
        cache.free(blocks.get(1));
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = blocks.name(allocated);
        Set<Long> outside = new HashSet<>();
        cache.collect(outside);
        r.r2 = outside.size();
        r.r3 = outside.contains(blocks.get(1)) ? 1 : 0;
        boolean distinct = outside.add(allocated);
        Set<Long> all = new HashSet<>(outside);
        list.checkInvariants(all); // throws for a block both free in the list and outside it
        r.r4 = distinct && list.handedOut() == outside.size() ? 1 : 0;
        if (r.r4 == 1) { // each block in one place: all go back to the list, whose span goes back to the heap
            cache.drain();
            list.insertOne(allocated);
        }
    }
}
