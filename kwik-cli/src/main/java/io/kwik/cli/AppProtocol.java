package io.kwik.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The file-download protocol of the {@code kwik} tool, on top of KWIK. Every message is one
 * line of UTF-8 text.
 *
 * <p>On the stream the client opens to the primary:
 * <pre>
 * client  -&gt; primary   GET &lt;path&gt; &lt;window&gt;\n, then FIN   (version 1: the whole file; path as in the URL,
 *                                                       percent-encoded; window: the client's stream receive window)
 *                   or GET/2 &lt;path&gt; &lt;window&gt; &lt;ranges&gt;\n, then FIN    (version 2: only these bytes of the file)
 *                      ranges: START-END or START- (to the end of the file), half-open, comma-separated,
 *                      ascending, not overlapping, not empty, at most {@value #MAX_RANGES}; the primary checks
 *                      them against the file's size and answers ERR bad-request when they do not fit
 * primary -&gt; client    WAIT\n, any number of them, every few seconds while the primary prepares the answer
 *                   (hashes the file, joins and checks the secondaries), so the path is never idle; then
 *                   OK &lt;size&gt; &lt;sha256 hex&gt;\n (of the whole file, whatever the ranges), then the bytes
 *                   asked for (the ranges' in order, one after the other), then FIN
 *                   or ERR &lt;code&gt; &lt;message&gt;\n, then FIN     (code: not-found, forbidden, bad-request, internal, busy)
 * </pre>
 * The primary writes some of the file's bytes itself and delegates the rest to secondaries; the
 * client reads one ordered stream either way.
 *
 * <p>Between servers, through the raw relay:
 * <pre>
 * primary   -&gt; secondary   CHECK &lt;id&gt; &lt;path&gt;                  do you serve this file?
 * secondary -&gt; primary     HAVE &lt;id&gt; &lt;size&gt; &lt;sha256 hex&gt;      yes, with this content
 *                       or NONE &lt;id&gt; &lt;reason&gt;                  no (reason "busy": too many checks at once)
 * primary   -&gt; secondary   RANGE &lt;file offset&gt; &lt;path&gt;          a delegation's instruction: write the
 *                                                           delegated range from this file offset
 * </pre>
 */
final class AppProtocol {
    /** The longest line either side reads. */
    static final int MAX_LINE = 8 * 1024;

    static final String GET = "GET";
    /** The request with ranges: what a resumed or retried download asks for. */
    static final String GET2 = "GET/2";
    /** The most ranges one request may carry. */
    static final int MAX_RANGES = 64;
    static final String WAIT = "WAIT";
    /** How often the primary writes a {@code WAIT} line while it prepares an answer, in milliseconds. */
    static final long WAIT_INTERVAL = 2_000;
    static final String OK = "OK";
    static final String ERR = "ERR";
    static final String CHECK = "CHECK";
    static final String HAVE = "HAVE";
    static final String NONE = "NONE";
    static final String RANGE = "RANGE";

    static final String NOT_FOUND = "not-found";
    static final String FORBIDDEN = "forbidden";
    static final String BAD_REQUEST = "bad-request";
    static final String INTERNAL = "internal";
    /** The server runs as many downloads as it may (see {@link ServeLimits}); try again later. */
    static final String BUSY = "busy";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private AppProtocol() {}

    /** A protocol message that does not parse. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    /**
     * Reads one line up to {@code \n} (not included), at most {@link #MAX_LINE} bytes.
     *
     * @return the line, or null at the end of the stream before any byte
     * @throws ProtocolException when the line is too long, or the stream ends inside it
     */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.size() == 0) return null;
                throw new ProtocolException("the stream ended inside a line");
            }
            if (b == '\n') return line.toString(StandardCharsets.UTF_8);
            if (line.size() >= MAX_LINE) throw new ProtocolException("a line longer than " + MAX_LINE + " bytes");
            line.write(b);
        }
    }

    static byte[] line(String text) {
        if (text.indexOf('\n') >= 0) throw new IllegalArgumentException("a line with a line break: " + text);
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static ByteBuffer message(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    static String text(ByteBuffer data) {
        ByteBuffer view = data.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** What the primary announced in its {@code OK} line. */
    record Header(long size, String sha256) {
        static Header parse(String line) throws ProtocolException {
            String[] words = line.split(" ", -1);
            if (words.length != 3 || !words[0].equals(OK)) throw new ProtocolException("not an OK header: " + line);
            long size = parseSize(words[1]);
            if (!SHA256.matcher(words[2]).matches()) throw new ProtocolException("not a SHA-256: " + words[2]);
            return new Header(size, words[2]);
        }

        String line() {
            return OK + " " + size + " " + sha256;
        }
    }

    /**
     * Bytes {@code [start, end)} of a file; {@code end} -1 means to the end of the file.
     *
     * @param start the first byte
     * @param end   one past the last byte, or -1
     */
    record Range(long start, long end) {
        /** {@code START-END} or {@code START-}. */
        @Override
        public String toString() {
            return start + "-" + (end < 0 ? "" : String.valueOf(end));
        }

        /** The range within a file of {@code size} bytes, with its end filled in. */
        Range resolve(long size) throws ProtocolException {
            long to = end < 0 ? size : end;
            if (start > size || to > size) throw new ProtocolException("range " + this + " is past the end of the file (" + size + " bytes)");
            return new Range(start, to);
        }

        long length() {
            return end - start;
        }
    }

    /** Parses {@code START-END,START-,...}: ascending, not overlapping, not empty, at most {@link #MAX_RANGES}. */
    static java.util.List<Range> parseRanges(String word) throws ProtocolException {
        String[] parts = word.split(",", -1);
        if (parts.length > MAX_RANGES) throw new ProtocolException("more than " + MAX_RANGES + " ranges");
        java.util.List<Range> ranges = new java.util.ArrayList<>();
        long previousEnd = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            int dash = part.indexOf('-');
            if (dash <= 0) throw new ProtocolException("not a range: " + part);
            long start = parseSize(part.substring(0, dash));
            String to = part.substring(dash + 1);
            long end = to.isEmpty() ? -1 : parseSize(to);
            if (end >= 0 && end <= start) throw new ProtocolException("an empty or reversed range: " + part);
            if (end < 0 && i != parts.length - 1) throw new ProtocolException("an open range before the last: " + part);
            if (i > 0 && start < previousEnd) throw new ProtocolException("ranges out of order or overlapping: " + word);
            ranges.add(new Range(start, end));
            previousEnd = end;
        }
        return java.util.List.copyOf(ranges);
    }

    static long parseSize(String word) throws ProtocolException {
        try {
            long value = Long.parseLong(word);
            if (value < 0) throw new ProtocolException("a negative number: " + word);
            return value;
        } catch (NumberFormatException e) {
            throw new ProtocolException("not a number: " + word);
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** Whether {@code word} looks like a SHA-256 in lower-case hex. */
    static boolean isSha256(String word) {
        return SHA256.matcher(word).matches();
    }
}
