package io.rtmalloc.jcstress;

import io.rtmalloc.Allocator;
import io.rtmalloc.Config;
import io.rtmalloc.RtMalloc;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the close races share: a new allocator per sample, made through the
 * public builder with the front end named, holding one block {@link #held}
 * from before the race; one thread frees that block and then allocates and
 * frees another, while another thread closes the allocator.
 *
 * <p>The contract: a call racing {@link Allocator#close()} completes or
 * throws {@link IllegalStateException}, never anything else (and never takes
 * the JVM down); once a call has seen the allocator closed, every later call
 * throws too. Each call's outcome is {@link #OK}, {@link #CLOSED} (it threw
 * {@code IllegalStateException}) or {@link #OTHER}.
 */
final class CloseRace {

    static final int OK = 0;
    static final int CLOSED = 1;
    static final int OTHER = 2;

    /** Two classes and the smallest address space, so that a sample maps and unmaps little. */
    static final Config CONFIG = Config.builder()
            .clearClasses()
            .addClass(64, 1, 4)
            .addClass(1024, 1, 4)
            .addressSpace(Config.MIN_ADDRESS_SPACE)
            .backgroundReleaseOff()
            .build();

    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    final Allocator allocator;
    final long held;

    CloseRace(String frontEnd) {
        allocator = RtMalloc.builder().frontEnd(frontEnd).config(CONFIG).build();
        held = allocator.malloc(64);
    }

    /** Frees {@link #held}, then allocates and frees a block; the outcome of each step. */
    void use(int[] out) {
        out[0] = outcome(() -> allocator.free(held));
        out[1] = outcome(() -> allocator.free(allocator.malloc(64)));
    }

    /** Closes the allocator; the outcome. */
    int close() {
        return outcome(allocator::close);
    }

    /** Closes the allocator if the race left it open (close is idempotent), so that its memory goes back. */
    void cleanUp() {
        try {
            allocator.close();
        } catch (RuntimeException e) {
            // already reported by the outcome
        }
    }

    private static int outcome(Runnable call) {
        try {
            call.run();
            return OK;
        } catch (IllegalStateException e) {
            return CLOSED;
        } catch (Throwable t) {
            if (REPORTED.compareAndSet(false, true)) { // the first one goes to the test JVM's error stream
                t.printStackTrace();
            }
            return OTHER;
        }
    }
}
