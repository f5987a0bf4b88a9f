package io.rtmalloc.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rtmalloc.spi.CacheCounters.Kind;

import org.junit.jupiter.api.Test;

class CacheCountersTest {

    @Test
    void eachKindCountsApart_perClass() {
        CacheCounters c = new CacheCounters(4);
        assertEquals(4, c.classes());
        c.hit(1);
        c.hit(1);
        c.missAndRefill(1);
        c.flush(3);
        c.hit(3);
        assertEquals(2, c.get(1, Kind.HITS));
        assertEquals(1, c.get(1, Kind.MISSES));
        assertEquals(1, c.get(1, Kind.REFILLS));
        assertEquals(0, c.get(1, Kind.FLUSHES));
        assertEquals(1, c.get(3, Kind.HITS));
        assertEquals(1, c.get(3, Kind.FLUSHES));
        assertEquals(0, c.get(2, Kind.HITS));
        assertEquals(0, c.get(3, Kind.MISSES));
        assertEquals(0, c.get(4, Kind.HITS), "a class the counters do not have");
        assertEquals(0, c.get(-1, Kind.FLUSHES));
    }

    @Test
    void add_sumsEveryCount() {
        CacheCounters a = new CacheCounters(3);
        CacheCounters b = new CacheCounters(2);
        a.hit(2);
        a.flush(1);
        b.flush(1);
        b.missAndRefill(1);
        CacheCounters sum = new CacheCounters(3);
        sum.add(a);
        sum.add(b);
        assertEquals(1, sum.get(2, Kind.HITS));
        assertEquals(2, sum.get(1, Kind.FLUSHES));
        assertEquals(1, sum.get(1, Kind.MISSES));
        assertEquals(1, sum.get(1, Kind.REFILLS));
        assertThrows(IllegalArgumentException.class, () -> b.add(a), "more classes than the sum has");
    }
}
