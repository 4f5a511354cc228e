package io.kwik.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Something that happened to a path. Listeners receive them in order, per session.
 *
 * @since 0.1.0
 */
public sealed interface PathEvent permits PathEvent.Added, PathEvent.Failed, PathEvent.Dead, PathEvent.Removed {

    /** The path the event is about. */
    PathInfo path();

    /** A path became usable. */
    record Added(PathInfo path) implements PathEvent {}

    /**
     * A path could not be added.
     *
     * @param path   the path that was to be added
     * @param reason why, for people
     * @param cause  why, for programs, where this end saw an exception: a
     *               {@link KwikTimeoutException} of kind {@link KwikTimeoutException.Kind#HANDSHAKE}
     *               when the join timed out, a {@link KwikTlsException} when TLS failed
     */
    record Failed(PathInfo path, String reason, Optional<KwikException> cause) implements PathEvent {
        /** Checks the components. */
        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(cause, "cause");
        }

        /** A failure with no exception behind it. */
        public Failed(PathInfo path, String reason) {
            this(path, reason, Optional.empty());
        }
    }

    /**
     * A path died: its connection failed or it stopped answering.
     *
     * @param path   the path
     * @param reason why, for people
     * @param cause  why, for programs, where this end saw an exception: a
     *               {@link KwikTimeoutException} of kind {@link KwikTimeoutException.Kind#PATH} or
     *               {@link KwikTimeoutException.Kind#IDLE} when the path stopped answering
     */
    record Dead(PathInfo path, String reason, Optional<KwikException> cause) implements PathEvent {
        /** Checks the components. */
        public Dead {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(cause, "cause");
        }

        /** A death with no exception behind it. */
        public Dead(PathInfo path, String reason) {
            this(path, reason, Optional.empty());
        }
    }

    /** A path was removed on purpose, or closed with its session. */
    record Removed(PathInfo path) implements PathEvent {}
}
