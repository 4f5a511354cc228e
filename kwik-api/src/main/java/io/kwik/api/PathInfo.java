package io.kwik.api;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A snapshot of one path of a session.
 *
 * @param id         the path id, {@code "p0"} for the primary
 * @param address    the server's address as the client dialed it
 * @param primary    whether this is the primary path
 * @param status     its status when the snapshot was taken
 * @param createdAt  when the path was created
 * @param lastActive when anything was last received on it
 * @param stats      its figures
 */
public record PathInfo(String id, InetSocketAddress address, boolean primary, PathStatus status,
                       Instant createdAt, Instant lastActive, PathStats stats) {}
