package io.kwik.tck.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Counts the JVM's live threads, virtual ones included, which {@link Thread#activeCount()}
 * and the thread MXBean do not see: from a JSON thread dump. The engine runs its work on
 * virtual threads, so a leak of threads shows only here.
 *
 * @since 0.1.0
 */
public final class ThreadCensus {
    private ThreadCensus() {}

    /** Live threads now, platform and virtual. */
    public static int liveThreads() {
        try {
            Path dump = Files.createTempFile("kwik-threads", ".json");
            Files.delete(dump);
            try {
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
                return occurrences(Files.readString(dump), "\"tid\"");
            } finally {
                Files.deleteIfExists(dump);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot dump the threads", e);
        }
    }

    private static int occurrences(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) count++;
        return count;
    }
}
