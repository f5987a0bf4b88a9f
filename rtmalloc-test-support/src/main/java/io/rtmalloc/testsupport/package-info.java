/**
 * The fixtures that the tests of several rtmalloc modules share: running a
 * program of the tests in a JVM of its own ({@link io.rtmalloc.testsupport.ForkedJvm}),
 * the probes of the global allocator's settings that such a JVM runs and the
 * checks of their output ({@link io.rtmalloc.testsupport.GlobalSettingsProbes}),
 * the front ends a suite runs over ({@link io.rtmalloc.testsupport.FrontEnds})
 * and configurations at the bounds of their knobs
 * ({@link io.rtmalloc.testsupport.ConfigFixtures}).
 *
 * <p>They use only the public API of {@code io.rtmalloc}, and assert with
 * JUnit's assertions. Modules take this one at test scope; it is not published.
 */
package io.rtmalloc.testsupport;
