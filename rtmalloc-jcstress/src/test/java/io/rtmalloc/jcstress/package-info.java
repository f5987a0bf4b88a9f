/**
 * OpenJDK jcstress tests of the racy protocols of rtmalloc's tiers, over real
 * native memory: each test drives the real classes (package-private ones
 * from tests in their packages, on the class path) with blocks from a real
 * page heap and central cache ({@link io.rtmalloc.jcstress.Tiers}), and names
 * every outcome it may see, acceptable or forbidden.
 *
 * <ul>
 *   <li>{@code io.rtmalloc.spi}: the owner word of a CPU cache (CAS to take
 *       it, release store to give it back, a drain that waits for it): two
 *       pops, a pop and a push, a push and a drain. No block is lost or
 *       handed out twice, and each owner sees the list its predecessor
 *       left.</li>
 *   <li>{@code io.rtmalloc.central}: the transfer cache: a batch given back
 *       (with a spill to the central free list) against a batch taken, and a
 *       single allocation (with a refill from the list) against a single
 *       free. Every block ends in exactly one place, and the list's counts
 *       agree.</li>
 *   <li>{@code io.rtmalloc.threadcache}: the thread-cache budget (a grow and
 *       a registration stealing from a spent budget; a grow against the
 *       cache's retirement; an owner's refills and flushes against a thief of
 *       its share) and the slot table (a thread's first calls against the
 *       retirement of the colliding cache in its slot). Shares never add up
 *       to more than the budget, a steal is seen by the next reader, and a
 *       lookup never serves another thread's cache.</li>
 *   <li>{@code io.rtmalloc.jcstress.CloseRace*}: {@code Allocator.close()}
 *       against a free and a malloc on another thread, through the public
 *       builder, for each front end: the racing calls complete or throw
 *       {@code IllegalStateException}, never anything else.</li>
 * </ul>
 *
 * <h2>Running</h2>
 * {@code ./build.sh verify} runs the protocol tests once, in the
 * {@code integration-test} phase of this module ({@link
 * io.rtmalloc.jcstress.StressRun}, the "ci" profile: one JVM per test, five
 * iterations of a second, about a minute in all), and fails on any
 * forbidden outcome, error or crashed test JVM. Three properties change the
 * run:
 * <pre>
 *   ./build.sh -pl rtmalloc-jcstress -am verify -Drtmalloc.jcstress.profile=long
 *       jcstress's default preset: every JVM mode it detects (interpreter, C1, C2,
 *       per-actor compilation, stress flags), several forks each; about four minutes
 *       per test on two cores, with -Drtmalloc.jcstress.args="-m tough" about an hour
 *   ./build.sh -pl rtmalloc-jcstress -am verify -Drtmalloc.jcstress.close=false
 *       leaves out the close races (in the default run)
 *   ./build.sh -pl rtmalloc-jcstress -am verify -Drtmalloc.jcstress.args="-t Budget -time 5000"
 *       more jcstress options (space-separated, no spaces inside a value), each
 *       replacing the profile's option of its name
 * </pre>
 * The report is {@code rtmalloc-jcstress/target/jcstress/results/index.html},
 * jcstress's console {@code results/console.log} beside it.
 */
package io.rtmalloc.jcstress;
