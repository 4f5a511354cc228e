package io.kwik.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.kwik.api.ClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kwik fetch}: download one file from a primary and whatever secondaries it brings in. */
@Command(name = "fetch", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Download one file from a primary server and the secondaries it brings in, check it by SHA-256, "
                + "and print how much each path carried."})
final class FetchCommand implements Callable<Integer> {

    @Mixin
    KwikCli.Common common;

    @Parameters(index = "0", paramLabel = "URL", description = "kwik://HOST[:PORT]/path/to/file (port 4433 by default)")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to save it. Default: the file's name, here.")
    Path output;

    @Option(names = "--trust", paramLabel = "PEM", description = "Trust the certificate(s) in this PEM file; repeat for several. "
            + "Default: the JDK's certificate authorities.")
    List<Path> trust = new ArrayList<>();

    @Option(names = "--insecure", description = "Do not check the servers' certificates at all (tests and demos only).")
    boolean insecure;

    @Option(names = "--server-name", paramLabel = "NAME",
            description = "The name to check the servers' certificates against, on every path. Default: each server's host as dialed.")
    String serverName;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a bar on a terminal, plain lines otherwise), bar, plain or none. Default: ${DEFAULT-VALUE}.")
    String progress;

    @Override
    public Integer call() throws Exception {
        PrintStream out = KwikCli.out();
        common.checkWindow();
        Fetcher.Target target = Fetcher.Target.parse(url);
        Progress.Mode mode = progressMode(progress);
        if (insecure && !trust.isEmpty()) throw new CliException(CliException.USAGE, "give --trust or --insecure, not both");
        ClientConfig.Builder config = common.applyClient(ClientConfig.builder());
        if (serverName != null) config.serverName(serverName);
        if (insecure) {
            config.insecureTrustAll();
            out.println("warning: --insecure: the servers' certificates are not checked");
        } else {
            config.trustedCertificates(trust.isEmpty() ? Credentials.systemTrust() : Credentials.trusted(trust));
        }
        Path file = output != null ? output : Path.of(target.fileName().isEmpty() ? "download" : target.fileName());
        Fetcher.Result result = new Fetcher(target, file, config.build(), mode, out, bytes -> {}, common.stallTimeout()).fetch();
        report(out, result, file);
        return 0;
    }

    static Progress.Mode progressMode(String text) throws CliException {
        try {
            return Progress.Mode.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.USAGE, "--progress must be auto, bar, plain or none: " + text);
        }
    }

    /** The table, the check and where the file went. */
    static void report(PrintStream out, Fetcher.Result result, Path file) {
        out.println();
        result.table().print(out);
        out.println();
        out.println("sha256 OK  " + result.sha256() + " (" + result.size() + " bytes, as the primary announced)");
        out.println(String.format(Locale.ROOT, "saved to %s in %.2f s (%s)", file, result.seconds(),
                Sizes.rate(result.seconds() > 0 ? result.size() / result.seconds() : -1)));
        out.flush();
    }
}
