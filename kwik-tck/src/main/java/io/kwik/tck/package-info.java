/**
 * Abstract compatibility suites. Extend one, implement {@code provider()}, and run it with
 * JUnit 5. Test names cite the clause they check ({@code required_R2_3_…}); a capability a
 * backend lacks is skipped with a reason, never passed silently.
 *
 * @since 0.1
 */
package io.kwik.tck;
