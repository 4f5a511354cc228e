package io.kwik.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The end-to-end harness's server JVMs: starts each with this JVM's java binary, options and
 * class path, stops them (forcibly when they do not go), and takes the thread dumps and log
 * tails that a stalled or failed case reports.
 */
final class ServerJvms {

    private final List<ServerJvm> running = new CopyOnWriteArrayList<>();
    private final E2eOptions options;
    private final Path credentialsDir;
    private int dumps;

    ServerJvms(E2eOptions options, Path credentialsDir) {
        this.options = options;
        this.credentialsDir = credentialsDir;
    }

    /**
     * Starts an {@link E2eServer} and waits for the port it prints.
     *
     * @param name  its name, in logs and file names
     * @param role  {@code raw} or {@code kwik}
     * @param index which of {@code --hosts} it binds to (0 the primary)
     */
    ServerJvm start(String name, String role, String backend, int index) throws IOException {
        String host = options.hosts().get(index);
        List<String> command = new ArrayList<>();
        if (options.wrap() != null && !options.wrap().isBlank()) {
            command.addAll(List.of(options.wrap().replace("{i}", Integer.toString(index)).trim().split("\\s+")));
        }
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // the same JVM options, except those that must not be shared (debugger, recordings, agents)
            if (argument.startsWith("-agentlib") || argument.startsWith("-javaagent") || argument.startsWith("-XX:StartFlightRecording")
                    || argument.startsWith("-XX:FlightRecorderOptions")) continue;
            command.add(argument);
        }
        String recordings = System.getProperty("e2e.serverRecordings");
        if (recordings != null) {
            // a profile of each server, written when it exits: -De2e.serverRecordings=<directory> on the harness
            command.add("-XX:StartFlightRecording=settings=profile,filename=" + Path.of(recordings, name + ".jfr"));
        }
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) {
            command.addAll(List.of("--module-path", modulePath, "--add-modules", "ALL-MODULE-PATH"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), E2eServer.class.getName(),
                role, backend, host, credentialsDir.toString(), name));
        Path log = options.logDir().resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        BlockingQueue<String> usages = new LinkedBlockingQueue<>();
        BlockingQueue<String> stats = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name(name + "-stdout").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (!port.isDone() && line.startsWith("PORT ")) port.complete(Integer.parseInt(line.substring(5).trim()));
                    else if (line.startsWith("USAGE ")) usages.add(line.substring(6));
                    else if (line.startsWith("STATS ")) stats.add(line.substring(6));
                    else Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } catch (IOException | RuntimeException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IOException(name + " ended without printing its port"));
        });
        ServerJvm server;
        try {
            server = new ServerJvm(name, process, log, new InetSocketAddress(E2eSupport.address(host), port.get(60, TimeUnit.SECONDS)),
                    usages, stats);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            stop(new ServerJvm(name, process, log, null, usages, stats));
            throw new IOException("server " + name + " did not start (" + e + "); command " + command + "; log " + log
                    + ":\n" + tail(log), e);
        }
        running.add(server);
        System.out.printf("started %s (pid %d) on %s, log %s%n", name, process.pid(), hostPort(server.address()), log);
        return server;
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** Asks {@code server} to quit, then destroys it (and what it started) if it does not. */
    void stop(ServerJvm server) {
        Process process = server.process();
        try {
            if (process.isAlive()) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write("quit\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // already gone
                }
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroy);
                    process.destroy();
                    if (!process.waitFor(3, TimeUnit.SECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                        process.waitFor(3, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
        running.remove(server);
    }

    /** Stops every server still running; the harness's shutdown hook calls it too. */
    void stopAll() {
        for (ServerJvm server : List.copyOf(running)) stop(server);
    }

    /** The last lines of every running server's log that look like errors, for a failure's message. */
    String serverLogs() {
        StringBuilder logs = new StringBuilder();
        for (ServerJvm server : running) {
            String tail = tail(server.log());
            List<String> errors = tail.lines().filter(l -> !l.contains(" bound to ") && !l.contains("WARNING")).toList();
            if (!errors.isEmpty()) logs.append("\n    ").append(server.name()).append(" log: ")
                    .append(String.join("\n      ", errors.subList(Math.max(0, errors.size() - 4), errors.size())));
        }
        return logs.toString();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Thread dumps (virtual threads included) of every server JVM and of this one, for a stall; returns the files. */
    synchronized String dumpThreads(String label) {
        List<String> files = new ArrayList<>();
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("client", ProcessHandle.current().pid());
        for (ServerJvm server : running) pids.put(server.name(), server.process().pid());
        int dump = ++dumps;
        for (Map.Entry<String, Long> jvm : pids.entrySet()) {
            Path file = options.logDir().resolve("dump-" + dump + "-" + label + "-" + jvm.getKey() + ".txt");
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(jvm.getValue()), "Thread.dump_to_file", "-format=text",
                        file.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(30, TimeUnit.SECONDS)) files.add(file.toString());
                else p.destroyForcibly();
            } catch (IOException | InterruptedException e) {
                files.add("(no dump of " + jvm.getKey() + ": " + e + ")");
            }
        }
        return String.join(", ", files);
    }
}
