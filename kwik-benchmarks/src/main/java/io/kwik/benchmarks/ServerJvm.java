package io.kwik.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server JVM of the end-to-end harness ({@link E2eServer}), as {@link ServerJvms} started it.
 *
 * @param name    its name in logs and tables, e.g. {@code netty-primary}
 * @param process the JVM
 * @param log     where its stderr and its other stdout lines go
 * @param address where it listens; {@code null} while it has not said
 * @param usages  the answers to {@link #usage()}, read from its stdout
 * @param statsAnswers the answers to {@link #stats()}, read from its stdout
 */
record ServerJvm(String name, Process process, Path log, InetSocketAddress address, BlockingQueue<String> usages,
                 BlockingQueue<String> statsAnswers) {

    /** What {@link #stats()} reports: the server JVM's resources, after a GC. */
    record Stats(int liveThreads, long heapBytes, long openFiles, int openSessions) {}

    /**
     * The server's live threads, heap in use after a GC, open file descriptors and KWIK sessions
     * open, asked on its stdin. The threads are all of them, virtual ones included, when
     * {@code census}, else its platform threads only (see {@code E2eServer}: the census can crash
     * a loaded JVM).
     */
    Stats stats(boolean census) throws IOException, InterruptedException {
        synchronized (statsAnswers) {
            statsAnswers.clear();
            OutputStream in = process.getOutputStream();
            in.write((census ? "stats\n" : "stats platform\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = statsAnswers.poll(60, TimeUnit.SECONDS);
            if (line == null) throw new IOException(name + " did not report its stats");
            String[] fields = line.trim().split(" ");
            return new Stats(Integer.parseInt(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2]),
                    Integer.parseInt(fields[3]));
        }
    }

    /**
     * The server's CPU nanos and allocated bytes so far ({@link E2eSupport#usage()}), asked on its stdin.
     *
     * @return {CPU nanoseconds, bytes allocated}
     */
    long[] usage() throws IOException, InterruptedException {
        synchronized (usages) {
            usages.clear();
            OutputStream in = process.getOutputStream();
            in.write("usage\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = usages.poll(30, TimeUnit.SECONDS);
            if (line == null) throw new IOException(name + " did not report its usage");
            String[] fields = line.trim().split(" ");
            return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
        }
    }
}
