package io.kwik.api;

import java.util.Map;

/**
 * A snapshot of a session's figures.
 *
 * @param sessionId the session id
 * @param paths     each known path's figures, by path id
 *
 * @since 0.1.0
 */
public record SessionStats(String sessionId, Map<String, PathStats> paths) {
    /** Keeps an unmodifiable copy of {@code paths}. */
    public SessionStats {
        paths = Map.copyOf(paths);
    }
}
