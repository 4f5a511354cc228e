package io.kwik.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

import javax.crypto.spec.SecretKeySpec;

import io.kwik.api.ClientConfig;
import io.kwik.api.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kwik demo}: a primary and its secondaries in this process on loopback, with a generated
 * file and a throw-away certificate, and a download from all of them at once.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Start a primary and secondaries in this process on loopback, generate a file, and download it "
                + "from all of them at once. With --kill-one, stop a secondary midway and watch the primary refill its ranges."})
final class DemoCommand implements Callable<Integer> {

    @Mixin
    KwikCli.Common common;

    @Mixin
    KwikCli.ClientOptions client;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "256MiB", converter = KwikCli.SizeConverter.class,
            description = "The size of the generated file. Default: ${DEFAULT-VALUE}.")
    long size;

    @Option(names = "--servers", paramLabel = "N", defaultValue = "3",
            description = "How many servers: one primary and N-1 secondaries. Default: ${DEFAULT-VALUE}.")
    int servers;

    @Option(names = "--kill-one", description = "Stop the last secondary abruptly midway through the download.")
    boolean killOne;

    @Option(names = "--kill-at", paramLabel = "FRACTION", defaultValue = "0.4",
            description = "With --kill-one: when, as a fraction of the file received. Default: ${DEFAULT-VALUE}.")
    double killAt;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", completionCandidates = Progress.Candidates.class,
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Progress.Mode progress;

    @Override
    public Integer call() throws Exception {
        PrintStream out = KwikCli.messages();
        common.checkWindow();
        if (servers < 1 || servers > 16) throw new CliException(CliException.USAGE, "--servers must be between 1 and 16: " + servers);
        if (size < 0 || size > (64L << 30)) throw new CliException(CliException.USAGE, "--size must be between 0 and 64GiB");
        if (!(killAt > 0 && killAt < 1)) throw new CliException(CliException.USAGE, "--kill-at must be between 0 and 1: " + killAt);
        if (killOne && servers < 2) throw new CliException(CliException.USAGE, "--kill-one needs --servers 2 or more");
        Progress.Mode mode = KwikCli.quiet() ? Progress.Mode.NONE : progress;

        Path work = Files.createTempDirectory("kwik-demo-");
        List<FileServer> started = new ArrayList<>();
        try {
            Path root = Files.createDirectories(work.resolve("root"));
            Path file = root.resolve("demo.bin");
            generate(file, size);
            say(out, "generated " + file + " (" + Sizes.bytes(size) + ")");

            SelfSigned certificate = SelfSigned.generate(Duration.ofDays(1));
            byte[] groupKey = new byte[32];
            new SecureRandom().nextBytes(groupKey);
            ServerConfig.Builder serverConfig = common.apply(ServerConfig.builder())
                    .certificateChain(List.of(certificate.certificate()))
                    .privateKey(certificate.privateKey())
                    .pathTokenKey(new SecretKeySpec(groupKey, "HmacSHA256"));
            FileCatalog catalog = new FileCatalog(root);

            List<FileServer> secondaries = new ArrayList<>();
            for (int i = 1; i < servers; i++) {
                String name = "secondary " + i;
                FileServer secondary = FileServer.start(new FileServer.Settings(new InetSocketAddress("127.0.0.1", 0), catalog,
                        List.of(), serverConfig.build(), Duration.ofSeconds(60), line -> {}));
                started.add(secondary);
                secondaries.add(secondary);
                say(out, name + " listening on " + FileServer.format(secondary.localAddress()));
            }
            List<InetSocketAddress> helpers = secondaries.stream()
                    .map(s -> new InetSocketAddress("127.0.0.1", s.localAddress().getPort())).toList();
            FileServer primary = FileServer.start(new FileServer.Settings(new InetSocketAddress("127.0.0.1", 0), catalog,
                    helpers, serverConfig.build(), Duration.ofSeconds(60), primaryLog(out)));
            started.add(primary);
            say(out, "primary listening on " + FileServer.format(primary.localAddress()) + " with " + secondaries.size()
                    + " secondar" + (secondaries.size() == 1 ? "y" : "ies"));

            ClientConfig.Builder clientConfig = client.apply(common, ClientConfig.builder())
                    .trustedCertificates(List.of(certificate.certificate()))
                    .serverName("localhost");

            AtomicBoolean killed = new AtomicBoolean();
            long killBytes = (long) (size * killAt);
            FileServer victim = secondaries.isEmpty() ? null : secondaries.getLast();
            Fetcher.Target target = new Fetcher.Target("127.0.0.1", primary.localAddress().getPort(), "/demo.bin");
            Path downloaded = work.resolve("downloaded.bin");
            Fetcher.Result result = new Fetcher(target, new Fetcher.ToFile(downloaded, false, false), clientConfig.build(), mode, out, bytes -> {
                if (killOne && bytes >= killBytes && killed.compareAndSet(false, true)) {
                    Thread.ofVirtual().name("kwik-demo-kill").start(() -> {
                        say(out, String.format(Locale.ROOT, "killing secondary %s at %.0f%% of the file",
                                FileServer.format(victim.localAddress()), 100.0 * bytes / Math.max(1, size)));
                        victim.close();
                    });
                }
            }, client.stallTimeout(), null, 0).fetch();
            FetchCommand.report(out, result, downloaded.toString());
            if (killOne && !killed.get()) say(out, "note: the download ended before the secondary could be stopped");
            return 0;
        } finally {
            for (FileServer server : started.reversed()) server.close();
            deleteTree(work);
        }
    }

    private static Consumer<String> primaryLog(PrintStream out) {
        return line -> {
            // what a reader of the demo wants to see: the checks, the split, and any refill
            if (line.contains("left out") || line.contains("sending ") || line.contains("sent ") || line.contains("refill")
                    || line.contains("failed") || line.contains("did not join") || line.contains("end game")) {
                say(out, "primary: " + line.replaceFirst("^\\[[^]]*] ", ""));
            }
        };
    }

    private static void say(PrintStream out, String line) {
        synchronized (out) {
            if (Progress.stdoutIsTerminal()) out.print("\r\033[K");
            out.println(line);
            out.flush();
        }
    }

    /** Writes {@code size} pseudo-random bytes. */
    static void generate(Path file, long size) throws IOException {
        SplittableRandom random = new SplittableRandom();
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; ) {
                for (int i = 0; i < chunk.length; i += 8) {
                    long value = random.nextLong();
                    for (int b = 0; b < 8; b++) chunk[i + b] = (byte) (value >>> (8 * b));
                }
                int n = (int) Math.min(chunk.length, size - written);
                out.write(chunk, 0, n);
                written += n;
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
