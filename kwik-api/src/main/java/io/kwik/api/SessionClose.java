package io.kwik.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a session ended, as {@link KwikSession#closed()} reports it.
 *
 * @param origin who or what ended it
 * @param code   the code it ended with: {@link ErrorCode#NONE} for a graceful close, the code
 *               given to {@link KwikSession#close(ErrorCode, String)} by either end, the code of
 *               a protocol failure, or {@link ErrorCode#PATH_DEAD} when the transport failed;
 *               {@link ErrorCode#UNKNOWN} for a number this version does not know (the cause's
 *               {@link KwikException#wireCode()} keeps it)
 * @param reason the reason given with the close, possibly empty; for {@link Origin#PEER} it is
 *               the peer's text, received from the network, to be logged and not trusted
 * @param cause  the exception the session's blocked calls failed with, present exactly when
 *               {@code code} is not {@link ErrorCode#NONE}
 *
 * @since 0.1.0
 */
public record SessionClose(Origin origin, ErrorCode code, String reason, Optional<KwikException> cause) {

    /** Requires every component; takes a null {@code reason} as empty. */
    public SessionClose {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(cause, "cause");
        reason = reason == null ? "" : reason;
        if (cause.isPresent() == (code == ErrorCode.NONE)) {
            throw new IllegalArgumentException("a cause goes with every code but NONE: " + code + ", " + cause);
        }
    }

    /** Whether the session ended gracefully: {@link ErrorCode#NONE}, at either end's request. */
    public boolean graceful() {
        return code == ErrorCode.NONE;
    }

    /** Who or what ended a session. */
    public enum Origin {
        /** This end: the application closed it, or this end found the peer broke the protocol. */
        LOCAL,
        /** The peer closed it, with the code and reason it gave. */
        PEER,
        /** The connection underneath failed: idle timeout, transport or handshake error. */
        TRANSPORT
    }
}
