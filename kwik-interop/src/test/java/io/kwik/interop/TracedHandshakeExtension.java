package io.kwik.interop;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Dumps all threads of a test that runs longer than 20 s to {@code target/stall-*.txt}, and with
 * {@code interop.traced.logs=all} also captures the handshake-related log records of both
 * backends (quiche's own debug log, kwik's recovery messages) and prints them when a test fails;
 * {@code interop.traced.logs=kwik} captures kwik's only (quiche's debug log is costly).
 */
final class TracedHandshakeExtension implements BeforeEachCallback, TestWatcher {

    private static final Pattern HANDSHAKE = Pattern.compile(
            "pkt (Initial|Handshake)|quiche::tls|established|dropped|closed|Closing|probe|PTO|Creating connection"
                    + "|Original destination|timeout|Aborting|error|failed|Discarding|handshake|Handshake");

    private static final LogCapture LOGS = switch (System.getProperty("interop.traced.logs", "none")) {
        case "all" -> new LogCapture("io.netty.handler.codec.quic", "io.kwik.backend.kwik.library", "io.kwik.backend.netty")
                .keepOnly(message -> HANDSHAKE.matcher(message).find());
        case "kwik" -> new LogCapture("io.kwik.backend.kwik.library", "io.kwik.backend.netty")
                .keepOnly(message -> HANDSHAKE.matcher(message).find());
        default -> null;
    };

    /** A test still running after this long gets all its threads (virtual ones too) dumped to target/. */
    private static final long DUMP_AFTER_MILLIS = 20_000;

    private volatile Thread watchdog;

    @Override
    public void beforeEach(ExtensionContext context) {
        if (LOGS != null) LOGS.drain();
        String name = context.getRequiredTestMethod().getName();
        watchdog = Thread.ofPlatform().daemon().name("traced-watchdog").start(() -> {
            try {
                Thread.sleep(DUMP_AFTER_MILLIS);
                Path file = Path.of("target", "stall-" + name + "-" + System.currentTimeMillis() + ".txt").toAbsolutePath();
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
                System.out.println("STALL " + name + ": threads dumped to " + file);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                System.out.println("STALL " + name + ": thread dump failed: " + e);
            }
        });
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        watchdog.interrupt();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        watchdog.interrupt();
        List<String> lines = LOGS == null ? List.of() : LOGS.drain();
        System.out.println("FAILED " + context.getDisplayName() + ": " + cause + " — " + lines.size() + " log lines");
        lines.forEach(line -> System.out.println("    " + line));
    }
}
