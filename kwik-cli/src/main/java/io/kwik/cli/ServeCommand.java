package io.kwik.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.kwik.api.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kwik serve}: serve a directory; a primary when given secondaries, a secondary otherwise. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Serve the files under a directory over KWIK.",
            "With --secondary it is a primary: it asks each client to join the secondaries, checks that they serve "
                + "the same file (size and SHA-256), and splits each download among them. Without, it is a secondary "
                + "(and can still be dialed directly). Secondaries serve the same directory."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KwikCli.Common common;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "4433", description = "UDP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String bind;

    @Option(names = "--root", paramLabel = "DIR", required = true, description = "The directory whose files are served.")
    Path root;

    @Option(names = "--secondary", paramLabel = "HOST:PORT", description = "A secondary server; repeat for several. Makes this server a primary.")
    List<String> secondaries = new ArrayList<>();

    @Option(names = "--group-key", paramLabel = "FILE",
            description = "A file whose bytes (16 or more) every server of the group shares, to sign and check join tokens."
                    + " Without it, a secondary refuses every join.")
    Path groupKey;

    @Option(names = "--cert", paramLabel = "PEM", description = "The server's certificate chain, leaf first.")
    Path certificate;

    @Option(names = "--key", paramLabel = "PEM", description = "The certificate's private key, unencrypted PKCS#8.")
    Path key;

    @Option(names = "--self-signed", description = "Make a throw-away certificate for localhost; its PEM is written to a file clients can --trust.")
    boolean selfSigned;

    @Option(names = "--check-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long a secondary may take to confirm it has a file. Default: ${DEFAULT-VALUE} s.")
    long checkSeconds;

    @Option(names = "--max-transfers", paramLabel = "N", defaultValue = "" + ServeLimits.DEFAULT_TRANSFERS,
            description = "Downloads sent at once, over all clients; a request past it is answered 'busy'. Default: ${DEFAULT-VALUE}.")
    int maxTransfers;

    @Option(names = "--max-transfers-per-session", paramLabel = "N", defaultValue = "" + ServeLimits.DEFAULT_TRANSFERS_PER_SESSION,
            description = "Downloads one client session has at once; a request past it is answered 'busy'. Default: ${DEFAULT-VALUE}.")
    int maxTransfersPerSession;

    @Option(names = "--max-checks", paramLabel = "N", defaultValue = "" + ServeLimits.DEFAULT_CHECKS,
            description = "As a secondary: checks answered at once (a check may hash a file); up to "
                    + ServeLimits.DEFAULT_CHECKS_PER_SESSION + " per session wait, later ones are answered 'busy'. Default: ${DEFAULT-VALUE}.")
    int maxChecks;

    @Override
    public Integer call() throws Exception {
        PrintStream out = KwikCli.messages();
        if (port < 0 || port > 65_535) throw new CliException(CliException.USAGE, "--port out of range: " + port);
        if (checkSeconds < 1) throw new CliException(CliException.USAGE, "--check-timeout must be at least 1 second");
        common.checkWindow();
        if (maxTransfers < 1 || maxTransfersPerSession < 1 || maxChecks < 1) {
            throw new CliException(CliException.USAGE, "--max-transfers, --max-transfers-per-session and --max-checks must be at least 1");
        }
        ServeLimits limits = new ServeLimits(maxTransfers, maxTransfersPerSession, maxChecks, ServeLimits.DEFAULT_CHECKS_PER_SESSION,
                ServeLimits.DEFAULT_DELEGATIONS_QUEUED, ServeLimits.DEFAULT_DELEGATION_BYTES_QUEUED);
        FileCatalog catalog = new FileCatalog(root);
        List<InetSocketAddress> helpers = new ArrayList<>();
        for (String secondary : secondaries) helpers.add(hostPort(secondary));

        ServerConfig.Builder config = common.apply(ServerConfig.builder());
        if (groupKey != null) config.pathTokenKey(Credentials.groupKey(groupKey));
        String trustHint = null;
        if (selfSigned) {
            if (certificate != null || key != null) {
                throw new CliException(CliException.USAGE, "give either --cert and --key, or --self-signed, not both");
            }
            SelfSigned made = SelfSigned.generate(Duration.ofDays(7));
            Path pem = Files.createTempFile("kwik-self-signed-", ".pem");
            Files.writeString(pem, made.certificatePem());
            pem.toFile().deleteOnExit();   // the certificate dies with the server
            config.certificateChain(List.of(made.certificate())).privateKey(made.privateKey());
            trustHint = pem.toString();
        } else {
            if (certificate == null || key == null) {
                throw new CliException(CliException.USAGE, "give --cert and --key, or --self-signed");
            }
            Credentials.Server credentials = Credentials.read(certificate, key);
            config.certificateChain(credentials.chain()).privateKey(credentials.key());
        }

        InetSocketAddress address = new InetSocketAddress(bind, port);
        if (address.isUnresolved()) throw new CliException(CliException.USAGE, "cannot resolve --bind " + bind);
        FileServer server;
        try {
            server = FileServer.start(new FileServer.Settings(address, catalog, helpers, config.build(),
                    Duration.ofSeconds(checkSeconds), line -> {
                        synchronized (out) {
                            // lines name what clients asked for, and what secondaries answered
                            out.println(Terminal.safe(line));
                        }
                    }, limits));
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.USAGE, e.getMessage());
        } catch (IOException | IllegalStateException e) {
            throw new CliException(CliException.FAILED, "cannot listen on " + FileServer.format(address) + ": "
                    + Fetcher.rootMessage(e));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kwik-serve-shutdown"));
        InetSocketAddress bound = server.localAddress();
        if (trustHint != null) out.println("self-signed certificate for localhost written to " + trustHint + " (clients: --trust " + trustHint + ")");
        out.println("listening on " + FileServer.format(bound) + " as a " + (server.isPrimary() ? "primary" : "secondary")
                + ", serving " + catalog.root() + (helpers.isEmpty() ? "" : ", secondaries " + String.join(" ", secondaries)));
        out.flush();
        server.awaitClose();
        if (!server.isClosed()) throw new CliException(CliException.FAILED, "the server stopped accepting sessions");
        return 0;
    }

    /** Parses {@code HOST:PORT} or {@code [IPv6]:PORT}. */
    static InetSocketAddress hostPort(String text) throws CliException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new CliException(CliException.USAGE, "--secondary must be HOST:PORT: " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CliException(CliException.USAGE, "--secondary must be HOST:PORT: " + text);
        }
        if (port < 1 || port > 65_535) throw new CliException(CliException.USAGE, "--secondary port out of range: " + text);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) throw new CliException(CliException.USAGE, "cannot resolve the secondary " + text);
        return address;
    }
}
