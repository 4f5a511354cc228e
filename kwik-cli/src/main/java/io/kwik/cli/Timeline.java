package io.kwik.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.kwik.api.MultiSourceTransfer;

/**
 * {@code --timeline FILE}: the lines of {@link MultiSourceTransfer#TIMELINE_LOGGER} (the
 * library's and the engine's), and this tool's own, written to a file, one event a line, each
 * starting with {@link System#nanoTime()} in milliseconds: the same clock for every process on
 * one host, so the files of a primary, its secondaries and a client merge by sorting. For
 * measuring ({@code kwik-benchmarks/timeline.py} summarises them); off unless asked for. Each
 * line is flushed as it is written.
 */
final class Timeline {
    private static final System.Logger LOG = System.getLogger(MultiSourceTransfer.TIMELINE_LOGGER);
    /** Held so that java.util.logging, which keeps loggers weakly, does not drop the configuration. */
    private static Logger configured;

    private Timeline() {
    }

    /** Whether the timeline is on: check before building a line. */
    static boolean on() {
        return LOG.isLoggable(Level.DEBUG);
    }

    /** Writes one line, the time first, when the timeline is on. */
    static void log(String event) {
        if (on()) LOG.log(Level.DEBUG, String.format(java.util.Locale.ROOT, "%.3f %s", System.nanoTime() / 1e6, event));
    }

    /** Sends the timeline to {@code file}, replacing it; the file is flushed when the JVM exits. */
    static synchronized void writeTo(Path file) {
        BufferedWriter writer;
        try {
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the timeline to " + file, e);
        }
        Logger logger = Logger.getLogger(MultiSourceTransfer.TIMELINE_LOGGER);
        logger.setUseParentHandlers(false);
        logger.setLevel(java.util.logging.Level.FINE);
        Handler handler = new Handler() {
            @Override
            public synchronized void publish(LogRecord record) {
                try {
                    writer.write(record.getMessage());
                    writer.newLine();
                    // a few lines per range and ten a second: flushed at once, so that the file
                    // of a server that keeps running can be read
                    writer.flush();
                } catch (IOException e) {
                    // a timeline that cannot be written is lost; the command goes on
                }
            }

            @Override
            public synchronized void flush() {
                try {
                    writer.flush();
                } catch (IOException e) {
                    // as above
                }
            }

            @Override
            public synchronized void close() {
                try {
                    writer.close();
                } catch (IOException e) {
                    // as above
                }
            }
        };
        handler.setLevel(java.util.logging.Level.ALL);
        logger.addHandler(handler);
        configured = logger;
        // java.util.logging's own shutdown hook may close handlers first; a second flush is harmless
        Runtime.getRuntime().addShutdownHook(new Thread(handler::flush, "kwik-timeline-flush"));
    }
}
