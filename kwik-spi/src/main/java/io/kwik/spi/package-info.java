/**
 * Transport SPI. A QUIC library becomes a KWIK backend by implementing
 * {@link io.kwik.spi.QuicTransportProvider}, {@link io.kwik.spi.QuicTransport},
 * {@link io.kwik.spi.QuicConnection} and {@link io.kwik.spi.QuicStream}.
 *
 * <p>The shape is deliberately blocking: the engine reads each real stream on its own
 * virtual thread. Asynchronous libraries adapt with bounded buffers and real
 * back-pressure, never with an unbounded queue.
 *
 * @since 0.1
 */
package io.kwik.spi;
