package io.kwik.tck.tools;

import java.io.IOException;
import java.io.OutputStream;

import io.kwik.api.KwikStream;

/**
 * Writing to a KWIK stream the way the engine suites do.
 *
 * @since 0.1.0
 */
public final class KwikStreams {

    /** The size of one write and one read buffer of the suites: 64 KiB. */
    public static final int CHUNK = 64 * 1024;

    private KwikStreams() {
    }

    /**
     * Writes {@code bytes} and flushes.
     *
     * @param stream the stream to write to
     * @param bytes what to write
     * @throws IOException if the write fails
     */
    public static void write(KwikStream stream, byte[] bytes) throws IOException {
        OutputStream out = stream.outputStream();
        out.write(bytes);
        out.flush();
    }

    /**
     * Writes {@code bytes} in {@link #CHUNK}-sized writes, flushes, and finishes the stream's
     * output (a FIN).
     *
     * @param stream the stream to write to
     * @param bytes what to write
     * @throws IOException if a write fails
     */
    public static void writeAndFinish(KwikStream stream, byte[] bytes) throws IOException {
        OutputStream out = stream.outputStream();
        for (int at = 0; at < bytes.length; at += CHUNK) {
            out.write(bytes, at, Math.min(CHUNK, bytes.length - at));
        }
        out.flush();
        stream.shutdownOutput();
    }
}
