package io.kwik.tck.impair;

/**
 * A snapshot of what an {@link ImpairmentProxy} did with the datagrams it received.
 *
 * @param forwardedToServer datagrams sent on to the server
 * @param forwardedToClient datagrams sent back to a client
 * @param droppedToServer   datagrams towards the server that the drop policy or the blackhole dropped
 * @param droppedToClient   datagrams towards a client that the drop policy or the blackhole dropped
 * @param overflowed        datagrams (either direction) dropped because the delay queue was full
 * @param rejected          datagrams from a source the proxy does not serve: not a loopback address,
 *                          a new client past the client limit, or anyone but the server writing to
 *                          an upstream socket
 * @param failed            datagrams a socket failed to send, or whose policy threw (forwarded anyway)
 * @param clients           client source addresses seen so far (one upstream socket each)
 *
 * @since 0.1.0
 */
public record ProxyCounters(long forwardedToServer, long forwardedToClient, long droppedToServer, long droppedToClient,
                            long overflowed, long rejected, long failed, int clients) {

    /** Datagrams forwarded in {@code direction}. */
    public long forwarded(Direction direction) {
        return direction == Direction.TO_SERVER ? forwardedToServer : forwardedToClient;
    }

    /** Datagrams dropped by the policy or the blackhole in {@code direction}. */
    public long dropped(Direction direction) {
        return direction == Direction.TO_SERVER ? droppedToServer : droppedToClient;
    }

    /** A one-line summary for test reports. */
    @Override
    public String toString() {
        return "to server " + forwardedToServer + " forwarded / " + droppedToServer + " dropped, to client "
                + forwardedToClient + " forwarded / " + droppedToClient + " dropped, " + overflowed + " overflowed, "
                + rejected + " rejected, " + failed + " failed, " + clients + " clients";
    }
}
