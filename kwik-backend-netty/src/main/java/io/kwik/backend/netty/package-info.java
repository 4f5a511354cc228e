/**
 * The Netty QUIC backend: {@link io.kwik.backend.netty.NettyTransportProvider} and the
 * package-private adapters that turn Netty's asynchronous channels into the SPI's blocking
 * streams with bounded buffers. See the module's README for the design and the pitfalls.
 */
package io.kwik.backend.netty;
