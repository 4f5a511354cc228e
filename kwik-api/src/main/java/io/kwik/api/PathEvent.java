package io.kwik.api;

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

    /** A path could not be added. */
    record Failed(PathInfo path, String reason) implements PathEvent {}

    /** A path died: its connection failed or it stopped answering. */
    record Dead(PathInfo path, String reason) implements PathEvent {}

    /** A path was removed on purpose, or closed with its session. */
    record Removed(PathInfo path) implements PathEvent {}
}
