package io.kwik.engine.session;

import io.kwik.api.KwikException;
import io.kwik.api.KwikStream;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.stream.ForeignStreams;
import io.kwik.proto.ControlFrame;

/**
 * A secondary's side of a session: it writes ranges of the primary's streams through
 * {@link ForeignStreams} handles, and learns the session's paths from the client.
 */
final class SecondaryRole extends ServerRole {
    private final ForeignStreams streams;

    /** @param clientWindow the client's initial window per stream, from its authentication request */
    SecondaryRole(SessionCore core, PathDirectory directory, int clientMaxMessageSize, long clientWindow,
                  long rawInboxBytes) {
        super(core, directory, clientMaxMessageSize, rawInboxBytes);
        this.streams = new ForeignStreams(core, clientWindow);
    }

    @Override
    public boolean onControlFrame(ControlFrame frame) {
        if (frame.getFrameCase() != ControlFrame.FrameCase.PATH_STATUS_NOTIFICATION) return false;
        onPathStatus(frame.getPathStatusNotification());
        return true;
    }

    @Override
    public void onMaxStreamData(long streamId, long maxOffset) {
        streams.onMaxStreamData(streamId, maxOffset);
    }

    @Override
    public KwikStream stream(long logicalStreamId) {
        return streams.get(logicalStreamId);
    }

    @Override
    public void ended(KwikException reason) {
        streams.fail();
        super.ended(reason);
    }
}
