/**
 * The {@code kwik} command line: download one file from several servers at once
 * ({@code io.kwik.cli.KwikCli}), and serve files to such downloads.
 *
 * <p>The module {@code requires io.kwik.api} for KWIK itself, and nothing else of KWIK. The
 * engine ({@code io.kwik.engine}) and a transport backend ({@code io.kwik.backend.kwik} or
 * {@code io.kwik.backend.netty}) are found at run time on the module path, through
 * {@link java.util.ServiceLoader}. It also uses picocli (options), the progressbar library (its
 * live bar) and {@code java.logging} (to keep the engine's logs quiet).
 */
module io.kwik.cli {
    requires io.kwik.api;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires java.logging;

    // picocli reads the commands' annotated fields and creates the subcommands reflectively
    opens io.kwik.cli to info.picocli;
}
