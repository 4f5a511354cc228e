package io.kwik.spi;

/**
 * Told by a backend, while one client handshake is in progress, that it received something
 * from the server: the only sign of progress that every QUIC library can give before the
 * handshake completes. {@link DialRace} uses it to tell a slow handshake (packets keep coming)
 * from a stalled one (nothing arrives), and starts a second attempt only for the latter.
 *
 * <p>Called on a thread of the transport, possibly for every datagram; an implementation must
 * be quick and must not block. A backend stops calling it once the handshake has completed
 * or failed.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface HandshakeObserver {

    /** Ignores every notice; what {@link QuicTransport#connect(java.net.InetSocketAddress, ClientTransportConfig)} uses. */
    HandshakeObserver NONE = () -> { };

    /** A datagram from the server arrived for this handshake. */
    void packetReceived();
}
