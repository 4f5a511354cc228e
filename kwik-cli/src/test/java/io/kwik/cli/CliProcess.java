package io.kwik.cli;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * The {@code kwik} command line as a child process: a new JVM with an empty class path and, on
 * its module path, this module's classes and run-time dependencies (the way
 * {@code bin/kwik} of the distribution runs it). Its standard output and error are read as they come, so
 * a test can wait for a line without sleeping; every wait is bounded, and a process that
 * outlives its test is killed.
 */
final class CliProcess implements AutoCloseable {

    private final String name;
    private final List<String> command;
    private final Process process;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private int openStreams = 2;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private CliProcess(String name, List<String> command, Process process, boolean binary) {
        this.name = name;
        this.command = command;
        this.process = process;
        if (binary) {
            Thread.ofVirtual().name(name + "-stdout").start(() -> pumpBytes(process.getInputStream()));
        } else {
            Thread.ofVirtual().name(name + "-stdout").start(() -> pump(process.getInputStream(), out));
        }
        Thread.ofVirtual().name(name + "-stderr").start(() -> pump(process.getErrorStream(), err));
    }

    /** Starts {@code kwik <arguments>} in {@code directory}. */
    static CliProcess start(Path directory, String name, String... arguments) throws IOException {
        return run(directory, name, kwik(arguments), Map.of(), false);
    }

    /** Starts {@code kwik <arguments>} in {@code directory}, keeping its standard output as bytes ({@link #outBytes()}). */
    static CliProcess startBinary(Path directory, String name, String... arguments) throws IOException {
        return run(directory, name, kwik(arguments), Map.of(), true);
    }

    private static List<String> kwik(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-ea");
        command.add("--enable-native-access=io.netty.common,org.jline.nativ");
        if (Runtime.version().feature() >= 23) command.add("--sun-misc-unsafe-memory-access=allow");
        command.addAll(Arrays.asList(CliJvm.property("kwik.cli.jvmArgs").trim().split("\\s+")));
        command.add("--module-path");
        command.add(CliJvm.modulePath());
        command.add("-m");
        command.add("io.kwik.cli/" + KwikCli.class.getName());
        command.addAll(Arrays.asList(arguments));
        return command;
    }

    /**
     * Starts {@code command} in {@code directory}, with {@code environment} added to this
     * JVM's (a null value removes a variable).
     */
    static CliProcess run(Path directory, String name, List<String> command, Map<String, String> environment) throws IOException {
        return run(directory, name, command, environment, false);
    }

    private static CliProcess run(Path directory, String name, List<String> command, Map<String, String> environment,
                                  boolean binary) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        for (String variable : List.of("CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            builder.environment().remove(variable);
        }
        environment.forEach((variable, value) -> {
            if (value == null) builder.environment().remove(variable);
            else builder.environment().put(variable, value);
        });
        return new CliProcess(name, List.copyOf(command), builder.start(), binary);
    }

    private void pumpBytes(InputStream stream) {
        try (stream) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = stream.read(buffer)) >= 0) {
                synchronized (bytes) {
                    bytes.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            lock.lock();
            try {
                openStreams--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Standard output as bytes, for a process started with {@link #startBinary}. */
    byte[] outBytes() {
        synchronized (bytes) {
            return bytes.toByteArray();
        }
    }

    private void pump(InputStream stream, List<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lock.lock();
                try {
                    lines.add(line);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            lock.lock();
            try {
                openStreams--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The first standard error line that matches {@code pattern}, waiting up to {@code timeout};
     * empty when none came. The command line reports on standard error only.
     */
    Optional<Matcher> awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            int seen = 0;
            while (true) {
                for (; seen < err.size(); seen++) {
                    Matcher matcher = pattern.matcher(err.get(seen));
                    if (matcher.matches()) return Optional.of(matcher);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || openStreams == 0) return Optional.empty();
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the process to exit and its output to be read; kills it past {@code timeout}.
     *
     * @return its exit code, or empty when it had to be killed
     */
    Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return Optional.empty();
        }
        lock.lock();
        try {
            while (openStreams > 0) {
                long left = Math.max(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(5));
                if (!changed.await(left, TimeUnit.NANOSECONDS)) break;
            }
        } finally {
            lock.unlock();
        }
        return Optional.of(process.exitValue());
    }

    List<String> out() {
        lock.lock();
        try {
            return List.copyOf(out);
        } finally {
            lock.unlock();
        }
    }

    List<String> err() {
        lock.lock();
        try {
            return List.copyOf(err);
        } finally {
            lock.unlock();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The command line and everything it printed, for a failed check's message. */
    String report() {
        return "=== " + name + ": " + String.join(" ", command) + "\n--- stdout ---\n" + String.join("\n", out())
                + "\n--- stderr ---\n" + String.join("\n", err()) + "\n";
    }

    /** Kills the process at once (SIGKILL), as a crash or a power cut would, and waits for it. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    }

    /** Stops the process (SIGTERM, then SIGKILL after 30 s). */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
