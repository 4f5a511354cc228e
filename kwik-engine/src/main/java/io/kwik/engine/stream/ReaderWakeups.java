package io.kwik.engine.stream;

import java.util.ArrayList;
import java.util.List;

/**
 * The logical streams whose readers a path's data reader owes a wake-up, collected while it
 * hands over the frames that have arrived and woken all at once before it next waits for the
 * transport: one wake-up per batch of arrivals instead of one per frame, and never a reader
 * left waiting for bytes that are already in its stream. Confined to that one reader thread.
 */
public final class ReaderWakeups {
    private final List<LogicalStream> owed = new ArrayList<>(4);

    /** Called by a stream, under its lock, the first time a batch gives it something for its reader. */
    void owe(LogicalStream stream) {
        owed.add(stream);
    }

    /** Streams owed a wake-up now, for tests. */
    int owed() {
        return owed.size();
    }

    /** Wakes every reader owed a wake-up; called before the data reader may wait. */
    public void wake() {
        for (int i = 0; i < owed.size(); i++) owed.get(i).wakeReaders();
        owed.clear();
    }
}
