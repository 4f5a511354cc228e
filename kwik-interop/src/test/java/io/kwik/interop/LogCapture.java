package io.kwik.interop;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects every record of some {@code java.util.logging} loggers at FINEST in memory (with
 * time and thread), instead of printing them, so that only a failing run's records are shown.
 * Netty logs through {@code java.util.logging} when no SLF4J is present, and quiche's own debug
 * log goes to Netty's {@code io.netty.handler.codec.quic.Quiche} logger at TRACE (FINEST) when
 * that level is on before the native library loads.
 */
final class LogCapture extends Handler {

    private final List<String> lines = new ArrayList<>();
    private final long origin = System.nanoTime();
    private final List<Logger> loggers = new ArrayList<>();
    private volatile Predicate<String> filter = line -> true;

    LogCapture(String... names) {
        setLevel(Level.ALL);
        for (String name : names) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.ALL);
            logger.setUseParentHandlers(false);
            logger.addHandler(this);
            loggers.add(logger);
        }
    }

    /** Keeps only the messages that pass {@code keep}. */
    LogCapture keepOnly(Predicate<String> keep) {
        filter = keep;
        return this;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        String message = record.getMessage();
        if (message == null || !filter.test(message)) return;
        if (record.getParameters() != null && message != null && message.contains("{0")) {
            message = MessageFormat.format(message, record.getParameters());
        }
        lines.add(String.format("%9.3f ms [%s] %s %s%s", (System.nanoTime() - origin) / 1e6,
                Thread.currentThread().getName(), record.getLoggerName(), message,
                record.getThrown() == null ? "" : " " + record.getThrown()));
    }

    synchronized List<String> drain() {
        List<String> copy = List.copyOf(lines);
        lines.clear();
        return copy;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        for (Logger logger : loggers) logger.removeHandler(this);
    }
}
