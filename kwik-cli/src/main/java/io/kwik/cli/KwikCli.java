package io.kwik.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code kwik} command line: download one file from several servers at once.
 *
 * <pre>
 * kwik serve --port P --root DIR [--secondary HOST:PORT ...] [--group-key FILE] (--cert C --key K | --self-signed)
 * kwik fetch kwik://HOST:PORT/path/to/file [-o OUT] [--trust CERT | --insecure]
 * kwik demo [--size 256MiB] [--servers 3] [--kill-one]
 * </pre>
 *
 * Every failure is reported as one line on standard error, {@code kwik: <reason>}, with an exit
 * code that says what kind it is (see {@link CliException}); never with a stack trace, unless
 * {@code --verbose}.
 */
@Command(name = "kwik", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Download one file from several servers at once, over KWIK.",
        subcommands = {ServeCommand.class, FetchCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the download or the session failed",
            "2:bad arguments: options, URL, root directory, certificate files",
            "3:the bytes received do not match the size or SHA-256 the primary announced",
            "4:the server refused the request: file not found, outside the root",
            "5:the primary cannot be reached, or the handshake failed",
            "6:the server's certificate is not trusted (pass --trust CERT or --insecure)"})
public final class KwikCli implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the commands print; set by {@link #run}. */
    private static volatile PrintStream out = System.out;

    private KwikCli() {}

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliException.USAGE;
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with these streams; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        KwikCli.out = out;
        quietLogging(false);
        CommandLine cli = new CommandLine(new KwikCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            err.println("kwik: " + oneLine(e.getMessage()) + " (see: " + command.getCommandSpec().qualifiedName() + " --help)");
            return CliException.USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof CliException failure) {
                err.println("kwik: " + oneLine(failure.getMessage()));
                return failure.exitCode();
            }
            if (e instanceof IllegalArgumentException bad) {
                // a configuration value the API refused at build()
                err.println("kwik: " + oneLine(bad.getMessage()));
                return CliException.USAGE;
            }
            if (e instanceof InterruptedException) {
                err.println("kwik: interrupted");
                return CliException.FAILED;
            }
            err.println("kwik: unexpected failure: " + oneLine(String.valueOf(e)));
            if (Common.verbose) e.printStackTrace(err);
            return CliException.FAILED;
        });
        return cli.execute(args);
    }

    /** Standard output of the running command. */
    static PrintStream out() {
        return out;
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s+", " ").trim();
    }

    /**
     * The engine and the QUIC libraries log through {@code System.Logger}, which goes to
     * {@code java.util.logging} here. The tool keeps that quiet unless {@code --verbose}, so
     * that a failure is one line.
     */
    static void quietLogging(boolean verbose) {
        Logger root = LogManager.getLogManager().getLogger("");
        root.setLevel(verbose ? Level.INFO : Level.OFF);
        for (var handler : root.getHandlers()) handler.setLevel(verbose ? Level.ALL : Level.OFF);
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (Common.verbose) {
                System.err.println("kwik: uncaught in " + thread.getName() + ": " + e);
                e.printStackTrace();
            }
        });
    }

    /** Options every command has. */
    static final class Common {
        static volatile boolean verbose;

        @Option(names = "--transport", paramLabel = "NAME",
                description = "The QUIC backend: kwik or netty. Default: the best one available (netty, then kwik).")
        String transport;

        @Option(names = "--handshake-timeout", paramLabel = "SECONDS", defaultValue = "10",
                description = "How long dialing a server and authenticating may take. Default: ${DEFAULT-VALUE} s.")
        double handshakeSeconds;

        @Option(names = "--idle-timeout", paramLabel = "SECONDS",
                description = "A QUIC connection with no traffic for this long is closed, and its path is dead. Default: 30 s.")
        Double idleSeconds;

        @Option(names = "--window", paramLabel = "SIZE", defaultValue = "16MiB", converter = SizeConverter.class,
                description = "The stream receive window; the primary keeps its ranges within the client's. Default: ${DEFAULT-VALUE}.")
        long window;

        /** Only the client uses it; {@code kwik serve} ignores it. */
        @Option(names = "--path-timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "Client: a secondary path from which nothing (not even a heartbeat answer) arrives for this long "
                        + "is declared dead, and the primary refills its ranges. Default: ${DEFAULT-VALUE} s (the API's "
                        + "default, 1 s, is tight on a busy machine).")
        double pathSeconds;

        /** Only the client uses it; {@code kwik serve} ignores it. */
        @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "Client: a download that receives nothing for this long is given up. Default: ${DEFAULT-VALUE} s.")
        double stallSeconds;

        /** The client's stall timeout, checked. */
        Duration stallTimeout() throws CliException {
            return seconds("--stall-timeout", stallSeconds);
        }

        @Option(names = {"-v", "--verbose"}, description = "Log what the engine does, and show stack traces.")
        void verbose(boolean on) {
            verbose = on;
            quietLogging(on);
        }

        /** {@link #apply}, and the client's path timeout. */
        io.kwik.api.ClientConfig.Builder applyClient(io.kwik.api.ClientConfig.Builder builder) throws CliException {
            return apply(builder).pathTimeout(seconds("--path-timeout", pathSeconds));
        }

        /** Sets the timeouts and the window, and the transport when one was named. */
        <B extends io.kwik.api.KwikConfig.Builder<B>> B apply(B builder) throws CliException {
            checkWindow();
            builder.handshakeTimeout(seconds("--handshake-timeout", handshakeSeconds)).streamReceiveWindow(window);
            if (idleSeconds != null) builder.idleTimeout(seconds("--idle-timeout", idleSeconds));
            if (transport != null) builder.transport(transport);
            return builder;
        }

        void checkWindow() throws CliException {
            if (window < 1024 || window > (1L << 30)) {
                throw new CliException(CliException.USAGE, "--window must be between 1KiB and 1GiB: " + window);
            }
        }

        private static Duration seconds(String option, double value) throws CliException {
            if (!(value > 0) || value > 86_400) throw new CliException(CliException.USAGE, option + " must be in (0, 86400] seconds");
            return Duration.ofNanos(Math.round(value * 1e9));
        }
    }

    /** Parses sizes such as {@code 32MiB}. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Sizes.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
