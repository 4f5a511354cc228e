package io.kwik.engine.session;

import java.net.InetSocketAddress;

import io.kwik.api.PathStatus;
import io.kwik.proto.PathState;

/** Path states and addresses as they travel in control frames. */
final class WireStatus {
    private WireStatus() {}

    /** The status for a wire state, or null for one this version does not know. */
    static PathStatus of(PathState state) {
        return switch (state) {
            case PATH_STATE_CONNECTING -> PathStatus.CONNECTING;
            case PATH_STATE_ACTIVE -> PathStatus.ACTIVE;
            case PATH_STATE_DEGRADED -> PathStatus.DEGRADED;
            case PATH_STATE_DEAD -> PathStatus.DEAD;
            case PATH_STATE_CLOSED -> PathStatus.CLOSED;
            default -> null;
        };
    }

    static PathState of(PathStatus status) {
        return switch (status) {
            case CONNECTING -> PathState.PATH_STATE_CONNECTING;
            case ACTIVE -> PathState.PATH_STATE_ACTIVE;
            case DEGRADED -> PathState.PATH_STATE_DEGRADED;
            case DEAD -> PathState.PATH_STATE_DEAD;
            case CLOSED -> PathState.PATH_STATE_CLOSED;
        };
    }

    /** {@code host:port}, as the primary was given it. */
    static String format(InetSocketAddress address) {
        return address == null ? "" : address.getHostString() + ":" + address.getPort();
    }

    /** Parses {@code host:port} without resolving it; null when it does not parse. */
    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) return null;
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65_535) return null;
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            return InetSocketAddress.createUnresolved(host, port);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
