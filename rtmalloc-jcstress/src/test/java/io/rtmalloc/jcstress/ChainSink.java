package io.rtmalloc.jcstress;

import io.rtmalloc.SizeClasses;
import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.CentralClassStats;
import io.rtmalloc.spi.NativeMemory;
import io.rtmalloc.spi.PageHeap;

/**
 * The central cache under a front-end cache in a test that must see exactly
 * what the cache gives back: {@link #insertRange} notes the chain's blocks as
 * {@link Blocks} digits, in chain order, and keeps them (they stay the test's,
 * which gives them back to {@link Tiers#CENTRAL} itself, each once, whatever
 * the outcome). A call that would hand blocks out throws, since these tests
 * expect none: its exception fails the test.
 */
public final class ChainSink implements CentralCache {

    private final Blocks blocks;
    private int given;
    private int calls;

    public ChainSink(Blocks blocks) {
        this.blocks = blocks;
    }

    /** The blocks given back so far, as digits in the order they came (0 for none). */
    public int given() {
        return given;
    }

    /** How many chains came back. */
    public int calls() {
        return calls;
    }

    @Override
    public void insertRange(int sizeClass, long head, int count) {
        calls++;
        long b = head;
        for (int i = 0; i < count; i++) { // reads no block past the count, nor a foreign one
            int name = blocks.name(b);
            given = given * 10 + name;
            if (name == 0 || name == Blocks.FOREIGN) {
                return;
            }
            if (i + 1 < count) {
                b = NativeMemory.getLong(b);
            }
        }
    }

    /** A batch as an array: recorded top first (the last element first), as a stack gives it. */
    @Override
    public void insertBatch(int sizeClass, long[] src, int from, int count) {
        calls++;
        for (int i = from + count - 1; i >= from; i--) {
            int name = blocks.name(src[i]);
            given = given * 10 + name;
            if (name == 0 || name == Blocks.FOREIGN) {
                return;
            }
        }
    }

    @Override
    public void removeBatch(int sizeClass, long[] dst, int from, int count) {
        throw new IllegalStateException("the test expects no refill from the central cache");
    }

    @Override
    public SizeClasses sizeClasses() {
        return Tiers.CLASSES;
    }

    @Override
    public PageHeap pageHeap() {
        return Tiers.HEAP;
    }

    @Override
    public long allocate(int sizeClass) {
        throw new IllegalStateException("the test expects no block from the central cache");
    }

    @Override
    public void free(int sizeClass, long address) {
        throw new IllegalStateException("the test expects no single free to the central cache");
    }

    @Override
    public long removeRange(int sizeClass, int count) {
        throw new IllegalStateException("the test expects no refill from the central cache");
    }

    @Override
    public CentralClassStats[] classStats() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void drainTransferCaches() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void checkInvariants() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException();
    }
}
