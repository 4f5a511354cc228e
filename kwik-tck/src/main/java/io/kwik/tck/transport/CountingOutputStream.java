package io.kwik.tck.transport;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the bytes written through it into an {@link AtomicLong}, so that a test can say how
 * far a writer got when a transfer fails. Closing it closes the stream underneath.
 *
 * @since 0.1.0
 */
public final class CountingOutputStream extends FilterOutputStream {
    private final AtomicLong count;

    /** Writes to {@code out} and adds every byte written to {@code count}. */
    public CountingOutputStream(OutputStream out, AtomicLong count) {
        super(Objects.requireNonNull(out, "out"));
        this.count = Objects.requireNonNull(count, "count");
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        count.incrementAndGet();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count.addAndGet(len);
    }

    /**
     * Closes the stream underneath without flushing it first, as {@code FilterOutputStream}
     * would: the SPI's {@code close()} already sends FIN after every byte, and a flush just
     * before it makes the FIN travel alone on a backend that holds data until then (Netty's),
     * where a lost FIN-only frame is never sent again (cloudflare/quiche#2525).
     */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
