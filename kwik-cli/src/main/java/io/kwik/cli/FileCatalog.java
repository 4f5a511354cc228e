package io.kwik.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files under one root directory that a server hands out, with their sizes and SHA-256
 * digests, computed once per file version (size and modification time) and then cached.
 */
final class FileCatalog {

    /** A file that may be served. */
    record Entry(Path file, long size, String sha256) {}

    /** Why a request path cannot be served; {@link #code()} is an {@link AppProtocol} error code. */
    static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;

        Refusal(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        String code() {
            return code;
        }
    }

    private record Version(long size, long modified) {}

    private record Cached(Version version, Entry entry) {}

    private final Path root;
    private final ConcurrentHashMap<Path, Cached> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Path, Object> locks = new ConcurrentHashMap<>();

    /**
     * @throws CliException ({@link CliException#USAGE}) when {@code root} is not a readable directory
     */
    FileCatalog(Path root) throws CliException {
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException | InvalidPathException e) {
            throw new CliException(CliException.USAGE, "cannot read the root directory " + root + ": it does not exist");
        }
        if (!Files.isDirectory(real)) throw new CliException(CliException.USAGE, "the root " + root + " is not a directory");
        if (!Files.isReadable(real) || !Files.isExecutable(real)) {
            throw new CliException(CliException.USAGE, "cannot read the root directory " + root + ": permission denied");
        }
        try (var listing = Files.newDirectoryStream(real)) {
            listing.iterator().hasNext();
        } catch (IOException e) {
            throw new CliException(CliException.USAGE, "cannot read the root directory " + root + ": " + e.getMessage());
        }
        this.root = real;
    }

    Path root() {
        return root;
    }

    /**
     * The file a request path names, with its size and digest.
     *
     * @param rawPath the path as in the URL: starts with {@code /}, percent-encoded
     * @throws Refusal when it is malformed, outside the root, missing or unreadable
     */
    Entry resolve(String rawPath) throws Refusal, IOException {
        Path file = locate(rawPath);
        Object lock = locks.computeIfAbsent(file, f -> new Object());
        synchronized (lock) {
            Version version;
            try {
                version = new Version(Files.size(file), Files.getLastModifiedTime(file).toMillis());
            } catch (NoSuchFileException e) {
                throw new Refusal(AppProtocol.NOT_FOUND, "no such file: " + rawPath);
            }
            Cached cached = cache.get(file);
            if (cached != null && cached.version.equals(version)) return cached.entry;
            Entry entry = new Entry(file, version.size, sha256(file));
            cache.put(file, new Cached(version, entry));
            return entry;
        }
    }

    private Path locate(String rawPath) throws Refusal {
        String decoded;
        try {
            URI uri = new URI(rawPath);
            if (uri.isAbsolute() || uri.getRawAuthority() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new URISyntaxException(rawPath, "not a plain path");
            }
            decoded = uri.getPath();
        } catch (URISyntaxException e) {
            throw new Refusal(AppProtocol.BAD_REQUEST, "malformed path: " + rawPath);
        }
        if (decoded == null || !decoded.startsWith("/") || decoded.length() < 2 || decoded.indexOf('\0') >= 0) {
            throw new Refusal(AppProtocol.BAD_REQUEST, "malformed path: " + rawPath);
        }
        Path file;
        try {
            file = root.resolve(decoded.substring(1)).normalize();
        } catch (InvalidPathException e) {
            throw new Refusal(AppProtocol.BAD_REQUEST, "malformed path: " + rawPath);
        }
        if (!file.startsWith(root)) throw new Refusal(AppProtocol.FORBIDDEN, "outside the served directory: " + rawPath);
        if (!Files.exists(file)) throw new Refusal(AppProtocol.NOT_FOUND, "no such file: " + rawPath);
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            throw new Refusal(AppProtocol.NOT_FOUND, "no such file: " + rawPath);
        }
        if (!real.startsWith(root)) throw new Refusal(AppProtocol.FORBIDDEN, "outside the served directory: " + rawPath);
        if (!Files.isRegularFile(real)) throw new Refusal(AppProtocol.NOT_FOUND, "not a file: " + rawPath);
        if (!Files.isReadable(real)) throw new Refusal(AppProtocol.FORBIDDEN, "not readable: " + rawPath);
        return real;
    }

    /** Reads {@code length} bytes of {@code file} from {@code offset}. */
    static ByteBuffer read(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, offset + buffer.position());
            if (n < 0) throw new IOException("the file ended at " + (offset + buffer.position()) + ", before " + (offset + length));
        }
        return buffer.flip();
    }

    static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (FileChannel channel = open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return AppProtocol.hex(digest.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
