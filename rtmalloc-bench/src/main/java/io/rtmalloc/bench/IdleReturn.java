package io.rtmalloc.bench;

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

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * idle_return: how much memory goes back to the OS by itself once a program
 * has freed everything and gone idle. One invocation allocates
 * {@code peakMiB} in blocks of 128 bytes to 128 KiB (log-uniform, the same
 * sequence for every allocator), writes every page, frees them all, then makes
 * no call for {@code seconds} while it samples the process's resident set
 * ({@code VmRSS}) every 250 ms. Each allocator runs with its defaults
 * (rtmalloc: decay 10 s; jemalloc: dirty decay 10 s without its background
 * thread; tcmalloc, glibc: none).
 *
 * <p>The score (seconds of the whole invocation) means nothing; the timeline
 * becomes secondary results through {@link FootprintProfiler}, and {@link Main}
 * prints, per allocator, the share of the peak growth returned at each time.
 * One invocation per fork: it is not in the quick profile.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class IdleReturn {

    @Param({"rtmalloc_threadcache", "rtmalloc_percpu", "rtmalloc_global", "libc_ffm", "tcmalloc_ffm",
            "jemalloc_ffm"})
    public String allocator;

    @Param({"1024"})
    public long peakMiB;

    @Param({"25"})
    public int seconds;

    private Heap heap;
    private Blocks blocks;
    private long[] sizes;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(14);
        List<Long> list = new ArrayList<>();
        for (long sum = 0; sum < (peakMiB << 20); ) {
            long size = Math.round(128 * Math.pow(1024, rnd.nextDouble()));
            list.add(size);
            sum += size;
        }
        sizes = list.stream().mapToLong(Long::longValue).toArray();
        heap = Heap.create(allocator);
        blocks = heap.blocks(sizes.length);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        heap.close();
    }

    @Benchmark
    public long idle_return() throws InterruptedException {
        long base = Footprint.vmRss();
        for (int i = 0; i < sizes.length; i++) {
            long p = blocks.alloc(i, sizes[i]);
            Footprint.touch(p, sizes[i]);
        }
        long peak = Footprint.vmRss();
        blocks.freeAll();
        long freed = System.nanoTime();
        List<long[]> samples = new ArrayList<>();
        samples.add(new long[] {0, Footprint.vmRss()});
        long end = freed + seconds * 1_000_000_000L;
        for (long t = freed + 250_000_000L; t - end <= 0; t += 250_000_000L) {
            long wait = t - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            samples.add(new long[] {(System.nanoTime() - freed) / 1_000_000, Footprint.vmRss()});
        }
        IdleTimeline.record(base, peak, samples);
        return peak - base;
    }
}
