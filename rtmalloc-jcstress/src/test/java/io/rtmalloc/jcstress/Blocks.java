package io.rtmalloc.jcstress;

import io.rtmalloc.spi.CentralCache;
import io.rtmalloc.spi.NativeMemory;

import java.util.Collection;

/**
 * A test's few blocks, named 1 to {@code n} (at most 8), so that an outcome
 * can show a list as the digits of its blocks' names, head first: the list
 * 3 -> 1 is {@code 31}, an empty one {@code 0}. An address that is none of
 * them shows as {@link #FOREIGN}.
 *
 * <p>Chains are the allocator's own ({@link io.rtmalloc.spi.FreeList}): each free block's first word holds the
 * next block's address, the last one 0.
 */
public final class Blocks {

    /** The name of an address that is not one of these blocks. */
    public static final int FOREIGN = 9;

    private final long[] address;

    /** The given blocks, named 1, 2, ... in order. */
    public Blocks(long... addresses) {
        if (addresses.length > 8) {
            throw new IllegalArgumentException("at most 8 blocks, one digit each");
        }
        this.address = addresses.clone();
    }

    /** {@code n} blocks of class {@code cl} from {@code central}. */
    public static Blocks take(CentralCache central, int cl, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = central.allocate(cl);
        }
        return new Blocks(a);
    }

    public int count() {
        return address.length;
    }

    /** The address of block {@code name} (1-based). */
    public long get(int name) {
        return address[name - 1];
    }

    /** The name of {@code a}: 0 for 0, 1 to n for these blocks, else {@link #FOREIGN}. */
    public int name(long a) {
        if (a == 0) {
            return 0;
        }
        for (int i = 0; i < address.length; i++) {
            if (address[i] == a) {
                return i + 1;
            }
        }
        return FOREIGN;
    }

    /** Links the named blocks in the order given and returns the head (0 for none). */
    public long chain(int... names) {
        long head = 0;
        for (int i = names.length - 1; i >= 0; i--) {
            long b = get(names[i]);
            NativeMemory.putLong(b, head);
            head = b;
        }
        return head;
    }

    /**
     * The names along the chain from {@code head}, as digits; a chain longer
     * than {@code max} blocks (or a cycle) ends in an extra {@link #FOREIGN}
     * digit. Reads only blocks of this set, never a foreign address.
     */
    public int digits(long head, int max) {
        int out = 0;
        int n = 0;
        for (long b = head; b != 0; b = NativeMemory.getLong(b)) {
            int name = name(b);
            if (++n > max || name == FOREIGN) {
                return out * 10 + FOREIGN;
            }
            out = out * 10 + name;
        }
        return out;
    }

    /** The names of {@code addresses} in increasing order, as digits (0 for none). */
    public int sortedDigits(Collection<Long> addresses) {
        return addresses.stream().mapToInt(this::name).sorted().reduce(0, (acc, d) -> acc * 10 + d);
    }

    /** Gives every block back to {@code central}, each once, whatever lists still link it. */
    public void giveBack(CentralCache central, int cl) {
        for (long a : address) {
            central.free(cl, a);
        }
    }
}
