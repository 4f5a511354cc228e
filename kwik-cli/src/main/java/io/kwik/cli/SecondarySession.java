package io.kwik.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import io.kwik.api.Delegation;
import io.kwik.api.KwikSession;
import io.kwik.api.RawData;

/** One session served as a secondary: answers checks, writes delegated ranges in order. */
final class SecondarySession {
    private final FileServer server;
    private final FileServer.Settings settings;
    private final KwikSession session;
    private final BlockingQueue<RawData> ranges = new LinkedBlockingQueue<>();
    private final Map<String, FileChannel> open = new HashMap<>();

    SecondarySession(FileServer server, KwikSession session) {
        this.server = server;
        this.settings = server.settings();
        this.session = session;
    }

    void run() {
        server.log(session, "joined a session as a secondary");
        Thread writer = Thread.ofVirtual().name("kwik-secondary-writer-" + session.pathId()).start(this::writeRanges);
        try (session) {
            while (true) {
                RawData raw = session.receiveRawData();
                if (raw.delegated().isPresent()) {
                    ranges.add(raw);
                } else {
                    String text = AppProtocol.text(raw.data());
                    Thread.ofVirtual().name("kwik-secondary-check").start(() -> answer(raw.sourcePathId(), text));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            server.log(session, "session ended: " + e.getMessage());
        } finally {
            writer.interrupt();
        }
    }

    private void answer(String source, String text) {
        String[] words = text.split(" ", 3);
        if (words.length != 3 || !words[0].equals(AppProtocol.CHECK)) {
            server.log(session, "an unexpected message from " + source);
            return;
        }
        String reply;
        try {
            FileCatalog.Entry entry = settings.catalog().resolve(words[2]);
            reply = AppProtocol.HAVE + " " + words[1] + " " + entry.size() + " " + entry.sha256();
        } catch (FileCatalog.Refusal e) {
            reply = AppProtocol.NONE + " " + words[1] + " " + e.getMessage();
        } catch (IOException e) {
            reply = AppProtocol.NONE + " " + words[1] + " cannot read it: " + e.getMessage();
        }
        try {
            session.sendRawData(source, AppProtocol.message(reply));
        } catch (IOException e) {
            server.log(session, "cannot answer " + source + ": " + e.getMessage());
        }
    }

    private void writeRanges() {
        try {
            while (true) {
                RawData raw = ranges.take();
                Delegation range = raw.delegated().orElseThrow();
                String[] words = AppProtocol.text(raw.data()).split(" ", 3);
                if (words.length != 3 || !words[0].equals(AppProtocol.RANGE)) {
                    throw new IOException("a malformed instruction");
                }
                long fileOffset = AppProtocol.parseSize(words[1]);
                FileCatalog.Entry entry;
                try {
                    entry = settings.catalog().resolve(words[2]);
                } catch (FileCatalog.Refusal e) {
                    throw new IOException(e.getMessage());
                }
                if (range.length() > Integer.MAX_VALUE || fileOffset + range.length() > entry.size()) {
                    throw new IOException("range [" + fileOffset + ", +" + range.length() + ") is past the end of " + words[2]);
                }
                FileChannel channel = open.get(words[2]);
                if (channel == null) {
                    channel = FileCatalog.open(entry.file());
                    open.put(words[2], channel);
                }
                ByteBuffer bytes = FileCatalog.read(channel, fileOffset, (int) range.length());
                session.stream(range.streamId()).writeAt(range.offset(), bytes);
            }
        } catch (InterruptedException e) {
            // the session ended
        } catch (IOException | RuntimeException e) {
            if (!server.isClosed() && !session.closed().toCompletableFuture().isDone()) {
                // this server cannot write its share: leaving the session makes the primary refill it
                server.log(session, "cannot write a delegated range (" + FileServer.reason(e) + "); leaving the session");
                session.close();
            }
        } finally {
            for (FileChannel channel : open.values()) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }
    }
}
