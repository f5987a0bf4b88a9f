package io.rtmalloc.bench;

import io.rtmalloc.Config;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * release_throughput and release_latency: the steady workload of mixed_sizes
 * (a live set of 10,000 blocks of 16 bytes to 64 KiB, log-uniform; one
 * operation frees a random one and allocates another) with rtmalloc's
 * background release in three settings: {@code off} (no decay, no early
 * release of large blocks), {@code on} (the defaults: decay 10 s), and
 * {@code decay_1s}, ten times as eager. release_throughput is the mean time of
 * an operation; release_latency samples single operations (JMH SampleTime),
 * for the tail (p99, p99.9) that a release of pages, a scavenged cache or the
 * release thread's lock holds could cause.
 *
 * <p>The release thread runs once a second with the defaults: measure over
 * several seconds, for example {@code -wi 2 -w 2s -i 5 -r 2s}.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ReleaseLatency {

    static final int LIVE = MixedSizes.LIVE;
    private static final int SEQUENCE = 1 << 16;

    @Param({"rtmalloc_threadcache", "rtmalloc_percpu", "rtmalloc_global"})
    public String allocator;

    @Param({"on", "off", "decay_1s"})
    public String release;

    private Heap heap;
    private Blocks blocks;
    private final int[] slots = new int[SEQUENCE];
    private final long[] sizes = new long[SEQUENCE];
    private int next;

    static Config config(String release) {
        Config d = Config.defaults();
        return switch (release) {
            case "on" -> d;
            case "off" -> d.toBuilder().backgroundReleaseOff().build();
            case "decay_1s" -> d.toBuilder().releaseDecayMs(1000).build();
            default -> throw new IllegalArgumentException("release: on, off or decay_1s, not " + release);
        };
    }

    private static long randomSize(SplittableRandom rnd) {
        double doublings = Math.log(65536.0 / MixedSizes.MIN_SIZE) / Math.log(2);
        return Math.clamp(Math.round(MixedSizes.MIN_SIZE * Math.pow(2, rnd.nextDouble() * doublings)),
                MixedSizes.MIN_SIZE, 65536);
    }

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(11);
        heap = Heap.rtmalloc(allocator, config(release));
        blocks = heap.blocks(LIVE);
        for (int i = 0; i < LIVE; i++) {
            blocks.alloc(i, randomSize(rnd));
        }
        for (int i = 0; i < SEQUENCE; i++) {
            slots[i] = rnd.nextInt(LIVE);
            sizes[i] = randomSize(rnd);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        blocks.freeAll();
        heap.close();
    }

    private long step() {
        int k = next;
        next = (k + 1) & (SEQUENCE - 1);
        int s = slots[k];
        Blocks b = blocks;
        b.free(s);
        return b.alloc(s, sizes[k]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public long release_throughput() {
        return step();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public long release_latency() {
        return step();
    }
}
