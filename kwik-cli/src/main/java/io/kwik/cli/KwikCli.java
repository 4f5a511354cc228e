package io.kwik.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
 * kwik fetch kwik://HOST:PORT/path/to/file [-o OUT|-] [--trust CERT | -k] [--sha256 HEX] [--force] [-q]
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
        exitCodeListHeading = "%nExit codes:%n")
public final class KwikCli implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;
    /** Where the data goes ({@code fetch -o -}); set by {@link #run}. */
    private static volatile PrintStream out = System.out;
    /** Where messages, progress and tables go; set by {@link #run}. */
    private static volatile PrintStream err = System.err;
    /** {@code -q}: messages other than errors go nowhere. */
    private static volatile boolean quiet;
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);

    private KwikCli() {}

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliException.USAGE;
    }

    /**
     * Runs the command line and exits with its code. Standard output is kept for the data alone:
     * {@link System#out} is pointed at standard error first, so that what a library prints there
     * (the kwik library prints a "SECURITY WARNING" line for every connection) cannot end up
     * inside a file written with {@code -o -}.
     */
    public static void main(String[] args) {
        PrintStream data = System.out;
        System.setOut(System.err);
        // the kwik backend turns off the kwik library's own certificate check to run its stricter
        // one (KwikTransport), for which the library warns: the warning is wrong here, and
        // --insecure prints this tool's own
        if (System.getProperty(KWIK_WARNINGS) == null) System.setProperty(KWIK_WARNINGS, "true");
        System.exit(run(args, data, System.err));
    }

    /** The kwik library's switch for its "SECURITY WARNING" lines. */
    private static final String KWIK_WARNINGS = "tech.kwik.core.no-security-warnings";

    /**
     * Runs the command line with these streams; returns the exit code. Standard output carries
     * data only ({@code fetch -o -}, {@code --help}, {@code --version}); everything else goes to
     * standard error, the way curl and wget do it, so that a pipe gets the file and nothing else.
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        KwikCli.out = out;
        KwikCli.err = err;
        quiet = false;
        quietLogging(false);
        CommandLine cli = new CommandLine(new KwikCli());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        for (CommandLine command : List.of(cli, cli.getSubcommands().get("fetch"), cli.getSubcommands().get("demo"))) {
            command.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(CliException.CODES);
        }
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            err.println("kwik: " + Terminal.safe(oneLine(e.getMessage())) + " (see: " + command.getCommandSpec().qualifiedName() + " --help)");
            return CliException.USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof CliException failure) {
                err.println("kwik: " + Terminal.safe(oneLine(failure.getMessage())));
                return failure.exitCode();
            }
            if (e instanceof IllegalArgumentException bad) {
                // a configuration value the API refused at build()
                err.println("kwik: " + Terminal.safe(oneLine(bad.getMessage())));
                return CliException.USAGE;
            }
            if (e instanceof InterruptedException) {
                err.println("kwik: interrupted");
                return CliException.FAILED;
            }
            err.println("kwik: unexpected failure: " + Terminal.safe(oneLine(String.valueOf(e))));
            if (Common.verbose) e.printStackTrace(err);
            return CliException.FAILED;
        });
        return cli.execute(args);
    }

    /** Standard output of the running command: data only. */
    static PrintStream out() {
        return out;
    }

    /** Where the running command reports what it does (standard error); nowhere with {@code -q}. */
    static PrintStream messages() {
        return quiet ? NOWHERE : err;
    }

    /** Whether {@code -q} was given. */
    static boolean quiet() {
        return quiet;
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

        /** The stream receive window of a server ({@code kwik serve}) when {@code --window} is not given. */
        static final long SERVER_WINDOW = 16L << 20;
        /**
         * The stream receive window of a client ({@code kwik fetch}, {@code kwik demo}) when
         * {@code --window} is not given: 32 MiB. The primary plans within half of it, the credit
         * the client always has open (docs/PERFORMANCE.md, "Where a secondary's time goes").
         */
        static final long CLIENT_WINDOW = 32L << 20;

        @Option(names = "--window", paramLabel = "SIZE", converter = SizeConverter.class,
                description = "The stream receive window; the primary keeps its ranges within half of the client's. "
                        + "Default: 32MiB for fetch and demo, 16MiB for serve.")
        Long window;

        @Option(names = {"-v", "--verbose"}, description = "Log what the engine does, and show stack traces.")
        void verbose(boolean on) {
            verbose = on;
            quietLogging(on);
        }

        @Option(names = "--timeline", paramLabel = "FILE",
                description = "Write a timeline of multi-source transfers to FILE, for measuring: per range and every 100 ms, "
                        + "with nanoTime stamps that merge across processes on one host (kwik-benchmarks/timeline.py).")
        void timeline(java.nio.file.Path file) {
            Timeline.writeTo(file);
        }

        @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors: no progress, no table, no events.")
        void quiet(boolean on) {
            quiet = on;
        }

        /** Sets the timeouts and the window, and the transport when one was named. */
        <B extends io.kwik.api.KwikConfig.Builder<B>> B apply(B builder) throws CliException {
            checkWindow();
            builder.handshakeTimeout(seconds("--handshake-timeout", handshakeSeconds)).streamReceiveWindow(window(SERVER_WINDOW));
            if (idleSeconds != null) builder.idleTimeout(seconds("--idle-timeout", idleSeconds));
            if (transport != null) builder.transport(transport);
            return builder;
        }

        /** The window given with {@code --window}, else {@code fallback}. */
        long window(long fallback) {
            return window == null ? fallback : window;
        }

        void checkWindow() throws CliException {
            if (window != null && (window < 1024 || window > (1L << 30))) {
                throw new CliException(CliException.USAGE, "--window must be between 1KiB and 1GiB: " + window);
            }
        }

        static Duration seconds(String option, double value) throws CliException {
            if (!(value > 0) || value > 86_400) throw new CliException(CliException.USAGE, option + " must be in (0, 86400] seconds");
            return Duration.ofNanos(Math.round(value * 1e9));
        }
    }

    /** Options only a client has ({@code fetch}, {@code demo}); {@code kwik serve --help} does not show them. */
    static final class ClientOptions {
        @Option(names = "--path-timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "A secondary path from which nothing (not even a heartbeat answer) arrives for this long "
                        + "is declared dead, and the primary refills its ranges. Default: ${DEFAULT-VALUE} s (the API's "
                        + "default, 1 s, is tight on a busy machine).")
        double pathSeconds;

        @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "A download that receives nothing for this long is given up (exit 7). Default: ${DEFAULT-VALUE} s.")
        double stallSeconds;

        /** The client's stall timeout, checked. */
        Duration stallTimeout() throws CliException {
            return Common.seconds("--stall-timeout", stallSeconds);
        }

        /** {@link Common#apply}, and the client's path timeout. */
        io.kwik.api.ClientConfig.Builder apply(Common common, io.kwik.api.ClientConfig.Builder builder) throws CliException {
            return common.apply(builder).streamReceiveWindow(common.window(Common.CLIENT_WINDOW))
                    .pathTimeout(Common.seconds("--path-timeout", pathSeconds));
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
