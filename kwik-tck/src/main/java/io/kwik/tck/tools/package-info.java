/** Tools the suites use and that backend authors may reuse: certificates, fixtures, digests. */
package io.kwik.tck.tools;
