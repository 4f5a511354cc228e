package io.kwik.interop.broken;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Never sends a FIN that follows a {@code flush()} with nothing written in between: the
 * peer reads every byte and never the end of the stream, as with the quiche inside Netty
 * 4.2.18 when such a FIN-only frame is lost (cloudflare/quiche#2525), only always.
 */
final class FinAfterFlushLosingOutput extends FilterOutputStream {
    private boolean flushedLast;

    FinAfterFlushLosingOutput(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        flushedLast = false;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        flushedLast = false;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
        flushedLast = true;
    }

    @Override
    public void close() throws IOException {
        if (!flushedLast) out.close();
    }
}
