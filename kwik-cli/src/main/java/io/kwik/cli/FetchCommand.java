package io.kwik.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import io.kwik.api.ClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kwik fetch}: download one file from a primary and whatever secondaries it brings in.
 * Standard output carries only the file, and only with {@code -o -}; messages, progress, path
 * events and the table go to standard error.
 */
@Command(name = "fetch", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Download one file from a primary server and the secondaries it brings in, check it by SHA-256, "
                + "and print how much each path carried (on standard error; standard output carries only the file, with -o -)."})
final class FetchCommand implements Callable<Integer> {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    @Mixin
    KwikCli.Common common;

    @Mixin
    KwikCli.ClientOptions client;

    @Parameters(index = "0", paramLabel = "URL", description = "kwik://HOST[:PORT]/path/to/file (port 4433 by default)")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to save it; - writes it to standard output. Default: the file's name, here.")
    String output;

    @Option(names = "--force", description = "Overwrite FILE if it exists (without it, an existing FILE is an error, exit 2).")
    boolean force;

    @Option(names = {"-c", "--continue"},
            description = "Continue FILE.kwik-part, the partial file a failed or interrupted download left: ask the primary "
                    + "for the bytes after it only. The SHA-256 is still checked over the whole file.")
    boolean resume;

    @Option(names = "--retry", paramLabel = "N", defaultValue = "0",
            description = "After a failure another attempt may mend (exit 1, 5 or 7), dial the primary again, up to N times, "
                    + "and continue from what has arrived. Default: ${DEFAULT-VALUE}.")
    int retries;

    @Option(names = "--sha256", paramLabel = "HEX",
            description = "The file's SHA-256, from a source you trust: the download fails (exit 9) unless the file has it. "
                    + "The primary's own announcement is checked anyway, but a malicious primary cannot vouch for itself.")
    String sha256;

    @Option(names = {"--trust", "--cacert"}, paramLabel = "PEM", description = "Trust the certificate(s) in this PEM file; repeat for several. "
            + "Default: the JDK's certificate authorities.")
    List<Path> trust = new ArrayList<>();

    @Option(names = {"-k", "--insecure"}, description = "Do not check the servers' certificates at all (tests and demos only).")
    boolean insecure;

    @Option(names = "--server-name", paramLabel = "NAME",
            description = "The name to check the servers' certificates against, on every path. Default: each server's host as dialed.")
    String serverName;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", completionCandidates = Progress.Candidates.class,
            description = "${COMPLETION-CANDIDATES}: auto is a bar on a terminal and plain lines otherwise, on standard error. "
                    + "Default: ${DEFAULT-VALUE}.")
    Progress.Mode progress;

    @Override
    public Integer call() throws Exception {
        PrintStream messages = KwikCli.messages();
        common.checkWindow();
        Fetcher.Target target = Fetcher.Target.parse(url);
        String expected = null;
        if (sha256 != null) {
            if (!SHA256.matcher(sha256).matches()) throw new CliException(CliException.USAGE, "--sha256 must be 64 hex digits: " + sha256);
            expected = sha256.toLowerCase(Locale.ROOT);
        }
        if (retries < 0 || retries > 100) throw new CliException(CliException.USAGE, "--retry must be between 0 and 100: " + retries);
        if (insecure && !trust.isEmpty()) throw new CliException(CliException.USAGE, "give --trust or --insecure, not both");
        Fetcher.Destination destination;
        if ("-".equals(output)) {
            if (resume) throw new CliException(CliException.USAGE, "-c continues a file: it cannot be used with -o -");
            destination = new Fetcher.ToStream(KwikCli.out());
        } else {
            Path file = output != null ? Path.of(output) : Path.of(target.fileName().isEmpty() ? "download" : target.fileName());
            destination = new Fetcher.ToFile(file, force, resume);
        }
        ClientConfig.Builder config = client.apply(common, ClientConfig.builder());
        if (serverName != null) config.serverName(serverName);
        if (insecure) {
            config.insecureTrustAll();
            messages.println("warning: --insecure: the servers' certificates are not checked");
        } else {
            config.trustedCertificates(trust.isEmpty() ? Credentials.systemTrust() : Credentials.trusted(trust));
        }
        Progress.Mode mode = KwikCli.quiet() ? Progress.Mode.NONE : progress;
        Fetcher.Result result = new Fetcher(target, destination, config.build(), mode, messages, bytes -> {},
                client.stallTimeout(), expected, retries).fetch();
        report(messages, result, destination.name());
        return 0;
    }

    /** The table, the check and where the file went. */
    static void report(PrintStream out, Fetcher.Result result, String where) {
        out.println();
        result.table().print(out);
        out.println();
        out.println("sha256 OK  " + result.sha256() + " (" + result.size() + " bytes, as the primary announced)");
        out.println(String.format(Locale.ROOT, "saved to %s in %.2f s (%s)", Terminal.safe(where), result.seconds(),
                Sizes.rate(result.seconds() > 0 ? result.size() / result.seconds() : -1)));
        out.flush();
    }
}
