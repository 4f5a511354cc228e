/**
 * Helpers of the transport conformance suite ({@link io.kwik.tck.TransportConformanceSuite}):
 * a loopback fixture that binds servers and dials clients through the SPI only, stream
 * handlers, and bounded waits.
 *
 * @since 0.1
 */
package io.kwik.tck.transport;
