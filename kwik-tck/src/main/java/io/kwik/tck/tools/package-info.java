/**
 * Tools the suites use and that backend authors may reuse: certificates, fixtures, digests.
 *
 * @since 0.1
 */
package io.kwik.tck.tools;
