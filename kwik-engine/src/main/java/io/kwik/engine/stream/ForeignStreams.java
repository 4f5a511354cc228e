package io.kwik.engine.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A secondary's handles on the session's streams, with the window the client gave each.
 * Bounded: past {@link #CAPACITY} handles the least recently used is forgotten, so a client
 * that names endless stream ids cannot grow it. A forgotten handle that is written again
 * starts from the initial window, which is always safe, since the client's window only grows.
 */
public final class ForeignStreams {
    /** Handles kept at most. */
    public static final int CAPACITY = 4096;

    private final StreamContext context;
    private final long initialWindow;
    private final Map<Long, ForeignStream> handles = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ForeignStream> eldest) {
            return size() > CAPACITY;
        }
    };

    public ForeignStreams(StreamContext context, long initialWindow) {
        this.context = context;
        this.initialWindow = initialWindow;
    }

    /** The handle on stream {@code id}, made on first use. */
    public ForeignStream get(long id) {
        synchronized (handles) {
            return handles.computeIfAbsent(id, key -> new ForeignStream(key, context, initialWindow));
        }
    }

    /** The client raised its window for stream {@code id}. */
    public void onMaxStreamData(long id, long maxOffset) {
        get(id).onMaxStreamData(maxOffset);
    }

    /** The session ended. */
    public void fail() {
        List<ForeignStream> all;
        synchronized (handles) {
            all = new ArrayList<>(handles.values());
        }
        all.forEach(ForeignStream::onSessionFailed);
    }
}
