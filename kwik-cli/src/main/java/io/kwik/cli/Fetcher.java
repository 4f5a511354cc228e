package io.kwik.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import io.kwik.api.AuthenticationException;
import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.PathEvent;
import io.kwik.api.PathStatus;

/**
 * The client's side of {@code kwik fetch}: dials the primary, asks for one file, reads the one
 * ordered stream that every server of the session writes into, checks it against the size and
 * SHA-256 the primary announced, and saves it.
 */
final class Fetcher {

    /** The port of a {@code kwik://} URL that names none. */
    static final int DEFAULT_PORT = 4433;

    /**
     * A parsed {@code kwik://HOST[:PORT]/PATH}.
     *
     * @param host    the host, as written (IPv6 literals without brackets)
     * @param port    the port
     * @param rawPath the path, percent-encoded as in the URL
     */
    record Target(String host, int port, String rawPath) {

        /** @throws CliException ({@link CliException#USAGE}) when {@code url} is not a usable {@code kwik://} URL */
        static Target parse(String url) throws CliException {
            String expected = "malformed URL '" + url + "': expected kwik://HOST:PORT/PATH";
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new CliException(CliException.USAGE, expected);
            }
            if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("kwik")) {
                throw new CliException(CliException.USAGE, expected + " (the scheme must be kwik)");
            }
            if (uri.getRawAuthority() != null && uri.getHost() == null) {
                throw new CliException(CliException.USAGE, expected + " (bad host or port)");
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty() || uri.getRawUserInfo() != null) throw new CliException(CliException.USAGE, expected);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            if (port == 0 || port > 65_535) throw new CliException(CliException.USAGE, expected + " (port out of range)");
            String path = uri.getRawPath();
            if (path == null || path.isEmpty() || path.equals("/") || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new CliException(CliException.USAGE, expected + " (no file path)");
            }
            return new Target(host, port, path);
        }

        /** The file name the path ends with, decoded. */
        String fileName() {
            String path = URI.create(rawPath).getPath();
            return path.substring(path.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "kwik://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + rawPath;
        }
    }

    /**
     * What a download did.
     *
     * @param size    bytes saved
     * @param sha256  their SHA-256, as the primary announced and the client computed
     * @param seconds from the first byte asked for to the last received
     * @param table   the per-path figures
     */
    record Result(long size, String sha256, double seconds, PathTable table) {}

    /** Where the file goes. */
    sealed interface Destination {
        /** What messages call it. */
        String name();
    }

    /**
     * A file, written as {@code FILE.kwik-part} and renamed to {@code FILE} once checked.
     *
     * @param path   the file
     * @param force  whether an existing file may be replaced
     * @param resume whether to continue {@code FILE.kwik-part}, the partial file a failed or
     *               interrupted download left, rather than start again
     */
    record ToFile(Path path, boolean force, boolean resume) implements Destination {
        @Override
        public String name() {
            return path.toString();
        }
    }

    /**
     * A stream ({@code -o -}: standard output), written as the bytes arrive; a failed check
     * after the last byte is an exit code, as with curl.
     *
     * @param out the stream
     */
    record ToStream(OutputStream out) implements Destination {
        @Override
        public String name() {
            return "standard output";
        }
    }

    /** How long a download may go without a byte before it is given up, unless a command sets it. */
    static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

    private final Target target;
    private final Destination destination;
    private final ClientConfig config;
    private final Progress.Mode progress;
    private final PrintStream out;
    private final LongConsumer onBytes;
    private final Duration stallTimeout;
    private final String expectedSha256;
    private final int retries;
    /** Bytes of the file received so far, by every attempt together (and a resumed partial file). */
    private long received;
    /** The SHA-256 of those bytes, so far. */
    private final MessageDigest digest = FileCatalog.sha256();
    /** What the primary announced the first time; a retry must find the same file. */
    private AppProtocol.Header announced;
    /** Whether the partial file survives a failure: only one that another attempt could continue. */
    private boolean keep;

    /**
     * @param out            where messages, progress and path events go
     * @param onBytes        called from the reading thread with the file bytes received so far
     *                       (the demo uses it to stop a secondary midway); must be quick
     * @param stallTimeout   a download that receives nothing for this long is given up: the
     *                       session's heartbeats keep a healthy but silent session open forever,
     *                       so only the application can tell that its transfer stopped moving
     * @param expectedSha256 the SHA-256 the user trusts ({@code --sha256}), lower-case hex, or null
     * @param retries        how many times to dial the primary again after a failure that another
     *                       attempt may mend (network, timeout), continuing from what has arrived
     */
    Fetcher(Target target, Destination destination, ClientConfig config, Progress.Mode progress, PrintStream out,
            LongConsumer onBytes, Duration stallTimeout, String expectedSha256, int retries) {
        this.target = target;
        this.destination = destination;
        this.config = config;
        this.progress = progress;
        this.out = out;
        this.onBytes = onBytes;
        this.stallTimeout = stallTimeout;
        this.expectedSha256 = expectedSha256;
        this.retries = retries;
    }

    /** Downloads the file. */
    Result fetch() throws CliException, InterruptedException {
        Path partial = null;
        OutputStream sink;
        if (destination instanceof ToFile file) {
            Path output = file.path();
            if (Files.isDirectory(output)) throw new CliException(CliException.USAGE, "cannot write " + output + ": it is a directory");
            if (Files.exists(output) && !file.force()) {
                throw new CliException(CliException.USAGE, output + " already exists; pass --force to overwrite it");
            }
            Path directory = output.toAbsolutePath().getParent();
            if (directory == null || !Files.isDirectory(directory)) {
                throw new CliException(CliException.LOCAL_IO, "cannot write " + output + ": no directory " + directory);
            }
            partial = output.resolveSibling(output.getFileName() + ".kwik-part");
            sink = file.resume() && Files.isRegularFile(partial) ? resumed(partial) : created(partial);
        } else {
            sink = ((ToStream) destination).out();
        }
        boolean saved = false;
        // one client for every attempt: a retry re-dials through the same transport
        try (KwikClient client = newClient()) {
            Instant asked = Instant.now();
            Result result;
            for (int attempt = 0; ; attempt++) {
                try {
                    result = attempt(client, asked, sink);
                    break;
                } catch (CliException e) {
                    if (attempt >= retries || !retryable(e.exitCode())) throw e;
                    say("attempt " + (attempt + 1) + " failed: " + e.getMessage() + "; retrying from byte " + received);
                    Thread.sleep(Math.min(10_000, 1_000L * (attempt + 1)));
                }
            }
            if (partial != null) {
                closeSink(sink);
                save(partial, ((ToFile) destination).path());
            }
            saved = true;
            return result;
        } catch (CliException e) {
            if (partial != null && received > 0 && retryable(e.exitCode())) {
                // what arrived stays for -c, as wget and curl leave a partial file
                throw new CliException(e.exitCode(), e.getMessage() + " (" + received + " bytes kept in " + partial
                        + "; -c continues them)");
            }
            throw e;
        } finally {
            if (partial != null && !saved) {
                try {
                    sink.close();
                } catch (IOException e) {
                    // it is deleted next, or kept as it is
                }
                if (received == 0 || !keep) deleteQuietly(partial);
            }
        }
    }

    private static boolean retryable(int exitCode) {
        return exitCode == CliException.FAILED || exitCode == CliException.TIMEOUT || exitCode == CliException.UNREACHABLE;
    }

    /** One attempt: dials the primary and asks for the bytes not received yet. */
    private Result attempt(KwikClient client, Instant asked, OutputStream sink) throws CliException, InterruptedException {
        try {
            InetSocketAddress primary = new InetSocketAddress(target.host(), target.port());
            if (primary.isUnresolved()) {
                throw new CliException(CliException.UNREACHABLE, "cannot resolve the host " + target.host());
            }
            KwikSession session = dial(client, primary);
            AtomicBoolean over = new AtomicBoolean();
            try (session) {
                Consumer<String> say = this::say;
                session.addPathListener(event -> {
                    if (!over.get()) say.accept(describe(event));
                });
                try {
                    Result result = download(session, asked, sink);
                    keep = false;
                    return result;
                } finally {
                    over.set(true);   // closing the session closes every path: no news
                }
            }
        } catch (CliException e) {
            keep = retryable(e.exitCode());
            throw e;
        }
    }

    /** A new partial file, created before dialing: one that cannot be created is known before any byte is asked for. */
    private static OutputStream created(Path partial) throws CliException {
        try {
            return Files.newOutputStream(partial);
        } catch (IOException e) {
            throw new CliException(CliException.LOCAL_IO, "cannot write " + partial + ": " + rootMessage(e));
        }
    }

    /** {@code -c}: the partial file's bytes count as received, and their hash starts the file's. */
    private OutputStream resumed(Path partial) throws CliException {
        try (InputStream in = Files.newInputStream(partial)) {
            byte[] buffer = new byte[256 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, n);
                received += n;
            }
            say("resuming " + partial + " from byte " + received);
            return Files.newOutputStream(partial, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new CliException(CliException.LOCAL_IO, "cannot resume " + partial + ": " + rootMessage(e));
        }
    }

    private void closeSink(OutputStream sink) throws CliException {
        try {
            sink.close();
        } catch (IOException e) {
            throw new CliException(CliException.LOCAL_IO, "cannot write " + destination.name() + ": " + rootMessage(e));
        }
    }

    private static void save(Path partial, Path output) throws CliException {
        try {
            try {
                Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CliException(CliException.LOCAL_IO, "cannot save " + output + ": " + rootMessage(e));
        }
    }

    private KwikClient newClient() throws CliException {
        try {
            return Kwik.newClient(config);
        } catch (IOException e) {
            throw new CliException(CliException.LOCAL_IO, "cannot start the QUIC client: " + rootMessage(e));
        } catch (IllegalStateException e) {
            // no engine or no usable transport on the module path: a broken installation
            throw new CliException(CliException.FAILED, "cannot start the QUIC client: " + e.getMessage());
        }
    }

    private KwikSession dial(KwikClient client, InetSocketAddress primary) throws CliException {
        try {
            return client.dial(primary);
        } catch (AuthenticationException e) {
            throw new CliException(CliException.UNREACHABLE, "the primary at " + address(primary) + " refused the session: "
                    + e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (KwikCli.Common.verbose) e.printStackTrace();
            if (isCertificateProblem(e)) {
                throw new CliException(CliException.UNTRUSTED, "the server's certificate at " + address(primary)
                        + " is not trusted (" + certificateMessage(e) + "); pass --trust CERT with the server's certificate in PEM,"
                        + " or --insecure to skip the check");
            }
            if (isTimeout(e)) {
                throw new CliException(CliException.TIMEOUT, "cannot reach the primary at " + address(primary)
                        + " within the handshake timeout (" + seconds(config.handshakeTimeout()) + " s): " + rootMessage(e));
            }
            throw new CliException(CliException.UNREACHABLE, "cannot reach the primary at " + address(primary) + ": "
                    + rootMessage(e));
        }
    }

    /** Whether a failure is, or was caused by, a timeout. */
    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KwikTimeoutException || t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
            if (String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("timed out")) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    private Result download(KwikSession session, Instant asked, OutputStream sink) throws CliException, InterruptedException {
        KwikStream stream;
        AppProtocol.Header header;
        try {
            stream = session.openStreamSync();
            // a read that waits longer than the stall timeout fails: the download is given up
            stream.readTimeout(stallTimeout);
            // version 2 names the bytes still needed: all of them at first, the rest on -c or a retry
            stream.write(ByteBuffer.wrap(AppProtocol.line(AppProtocol.GET2 + " " + target.rawPath() + " "
                    + config.streamReceiveWindow() + " " + new AppProtocol.Range(received, -1))));
            stream.shutdownOutput();
            String line = AppProtocol.readLine(stream.inputStream());
            while (AppProtocol.WAIT.equals(line)) line = AppProtocol.readLine(stream.inputStream());
            if (line == null) throw new CliException(CliException.FAILED, "the primary closed the stream without answering");
            if (line.startsWith(AppProtocol.ERR + " ")) throw refusal(line);
            header = AppProtocol.Header.parse(line);
        } catch (KwikTimeoutException e) {
            throw stalled("before the primary answered");
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "the request failed: " + rootMessage(e));
        }
        if (announced != null && !announced.equals(header)) {
            throw new CliException(CliException.MISMATCH, "the file changed on the server between attempts: it was "
                    + announced.size() + " bytes, sha256 " + announced.sha256() + "; now " + header.size() + " bytes, sha256 "
                    + header.sha256());
        }
        announced = header;
        if (received > header.size()) {
            throw new CliException(CliException.MISMATCH, "the partial file has " + received + " bytes, more than the "
                    + header.size() + " the primary announces");
        }
        if (expectedSha256 != null && !expectedSha256.equals(header.sha256())) {
            // the primary would vouch for other bytes: nothing is downloaded
            throw new CliException(CliException.DIGEST, "SHA-256 mismatch: the primary announces " + header.sha256() + " for "
                    + target.rawPath() + ", not the " + expectedSha256 + " given with --sha256");
        }
        say("downloading " + target + " (" + Sizes.bytes(header.size()) + ", sha256 " + header.sha256() + ")"
                + (received > 0 ? " from byte " + received : ""));

        Instant started = Instant.now();
        Instant finished;
        try (InputStream in = stream.inputStream();
             Progress bar = Progress.start(progress, out, target.fileName(), header.size())) {
            byte[] buffer = new byte[256 * 1024];
            int n;
            long lastNote = 0;
            boolean timeline = Timeline.on();
            long lastTick = 0;
            String note = "";
            while ((n = in.read(buffer)) >= 0) {
                if (n == 0) continue;
                received += n;
                if (received > header.size()) {
                    throw new CliException(CliException.MISMATCH, "size mismatch: received more than the "
                            + header.size() + " bytes the primary announced");
                }
                digest.update(buffer, 0, n);
                write(sink, buffer, n);
                long now = System.nanoTime();
                if (timeline && now - lastTick >= 100_000_000L) {
                    lastTick = now;
                    tick(session, received);
                }
                if (now - lastNote > 200_000_000L) {
                    lastNote = now;
                    note = note(session);
                }
                bar.update(received, note);
                onBytes.accept(received);
            }
            finished = Instant.now();
            bar.update(received, note(session));
        } catch (KwikTimeoutException e) {
            throw stalled("after " + received + " of " + header.size() + " bytes");
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "the download failed after " + received + " of " + header.size()
                    + " bytes: " + rootMessage(e));
        }
        if (destination instanceof ToStream) {
            try {
                sink.flush();
            } catch (IOException e) {
                throw new CliException(CliException.LOCAL_IO, "cannot write " + destination.name() + ": " + rootMessage(e));
            }
        }
        String sha256 = AppProtocol.hex(digest.digest());
        if (received != header.size()) {
            throw new CliException(CliException.MISMATCH, "size mismatch: received " + received
                    + " bytes, the primary announced " + header.size());
        }
        if (!sha256.equals(header.sha256())) {
            throw new CliException(CliException.MISMATCH, "SHA-256 mismatch: received " + sha256
                    + ", the primary announced " + header.sha256());
        }
        if (expectedSha256 != null && !sha256.equals(expectedSha256)) {
            throw new CliException(CliException.DIGEST, "SHA-256 mismatch: received " + sha256 + ", not the "
                    + expectedSha256 + " given with --sha256");
        }
        PathTable table = PathTable.of(session.allPaths(), session.stats(), started, finished);
        double seconds = java.time.Duration.between(asked, finished).toNanos() / 1e9;
        return new Result(received, sha256, seconds, table);
    }

    /** The timeline's line every 100 ms on the client: the reader's in-order frontier, and what each path brought. */
    private static void tick(KwikSession session, long read) {
        StringBuilder line = new StringBuilder("client-tick read=").append(read);
        session.stats().paths().forEach((path, stats) -> line.append(' ').append(path).append("=received:")
                .append(stats.bytesReceived()).append(",rtt-ms:").append(stats.rtt().toMillis()));
        Timeline.log(line.toString());
    }

    /** Writes to the destination; a failure there is local (disk full, closed pipe), not the network's. */
    private void write(OutputStream sink, byte[] buffer, int n) throws CliException {
        try {
            sink.write(buffer, 0, n);
        } catch (IOException e) {
            throw new CliException(CliException.LOCAL_IO, "cannot write " + destination.name() + ": " + rootMessage(e));
        }
    }

    private static String note(KwikSession session) {
        long active = session.allPaths().stream().filter(p -> p.status() == PathStatus.ACTIVE).count();
        return active + (active == 1 ? " path" : " paths");
    }

    private CliException refusal(String line) {
        String[] words = line.split(" ", 3);
        String code = words.length > 1 ? words[1] : "";
        String message = words.length > 2 ? words[2] : line;
        return switch (code) {
            case AppProtocol.NOT_FOUND -> new CliException(CliException.REFUSED, "file not found on the server: "
                    + target.rawPath() + " (" + message + ")");
            case AppProtocol.FORBIDDEN -> new CliException(CliException.REFUSED, "the server refused " + target.rawPath()
                    + ": " + message);
            case AppProtocol.BAD_REQUEST -> new CliException(CliException.REFUSED, "the server rejected the request: " + message);
            case AppProtocol.BUSY -> new CliException(CliException.FAILED, "the server is busy: " + message);
            default -> new CliException(CliException.FAILED, "the server failed: " + message);
        };
    }

    private static String describe(PathEvent event) {
        String id = event.path().id();
        String address = event.path().address() == null ? "?" : address(event.path().address());
        return switch (event) {
            case PathEvent.Added added -> "path " + id + " joined: " + address;
            case PathEvent.Failed failed -> "path " + id + " could not join " + address + ": " + failed.reason();
            case PathEvent.Dead dead -> "path " + id + " (" + address + ") is DEAD: " + dead.reason();
            case PathEvent.Removed removed -> "path " + id + " (" + address + ") was removed";
        };
    }

    private void say(String line) {
        synchronized (out) {
            if (progress == Progress.Mode.BAR || (progress == Progress.Mode.AUTO && Progress.stdoutIsTerminal())) {
                out.print("\r\033[K");
            }
            // path events carry reasons that a server wrote
            out.println(Terminal.safe(line));
            out.flush();
        }
    }

    static String address(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Whether a dial failed in TLS (certificate not trusted, wrong name, client certificate refused): typed, no message matching. */
    static boolean isCertificateProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.kwik.api.KwikTlsException) return true;
        }
        return false;
    }

    /** The message of the innermost failure about the certificate, on one line. */
    static String certificateMessage(Throwable failure) {
        String found = null;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null) continue;
            if (t instanceof CertificateException || t instanceof javax.net.ssl.SSLHandshakeException
                    || message.toLowerCase(Locale.ROOT).contains("certif")) {
                found = message;
            }
        }
        if (found == null) return rootMessage(failure);
        // "Handshake error: tech.kwik.agent15.alert.BadCertificateAlert: unable to ..." -> "unable to ..."
        String[] parts = found.split(": ");
        String last = parts[parts.length - 1];
        return last.replaceAll("\\s+", " ").trim();
    }

    /** The innermost useful message of a failure, on one line. */
    static String rootMessage(Throwable failure) {
        String message = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException && message == null) message = "timed out";
            if (t.getMessage() != null && !t.getMessage().isBlank()) message = t.getMessage();
            if (t.getCause() == t) break;
        }
        if (message == null) message = failure.getClass().getSimpleName();
        return message.replaceAll("\\s+", " ").trim();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // nothing more to do
        }
    }

    /** A read waited longer than the stall timeout (the stream's read timeout). */
    private CliException stalled(String when) {
        // --stall-timeout takes fractions of a second, which toSeconds() would drop
        return new CliException(CliException.TIMEOUT, "the download stalled: nothing arrived for " + seconds(stallTimeout)
                + " s, " + when);
    }

    /** Seconds with their fraction ({@code toSeconds()} would drop it), as the options take them. */
    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
