package io.kwik.interop.broken;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Silently drops the last byte written before FIN: the kind of bug the Netty backend had to
 * avoid (a FIN sent while writes were still queued).
 */
final class TruncatingOutput extends FilterOutputStream {
    private int held = -1;

    TruncatingOutput(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (held >= 0) out.write(held);
        held = b & 0xFF;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) return;
        if (held >= 0) out.write(held);
        out.write(b, off, len - 1);
        held = b[off + len - 1] & 0xFF;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
