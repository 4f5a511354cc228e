package io.kwik.interop.broken;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportStats;

/**
 * A deliberately broken backend for testing the kit itself: it wraps a real one, and every
 * stream it hands out silently drops the last byte written before FIN — the kind of bug the
 * Netty backend had to avoid (a FIN sent while writes were still queued).
 */
final class TruncatingProvider implements QuicTransportProvider {
    private final QuicTransportProvider real;

    TruncatingProvider(QuicTransportProvider real) {
        this.real = real;
    }

    @Override
    public String name() {
        return real.name() + "-truncating";
    }

    @Override
    public int priority() {
        return real.priority();
    }

    @Override
    public String spiVersion() {
        return real.spiVersion();
    }

    @Override
    public boolean isAvailable() {
        return real.isAvailable();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return real.unavailabilityCause();
    }

    @Override
    public QuicTransport create(TransportContext context) {
        QuicTransport transport = real.create(context);
        return new QuicTransport() {
            @Override
            public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config) {
                return transport.connect(remote, config).thenApply(TruncatingProvider::wrap);
            }

            @Override
            public QuicServer bind(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> onConnection)
                    throws IOException {
                return transport.bind(local, config, connection -> onConnection.accept(wrap(connection)));
            }

            @Override
            public void close() {
                transport.close();
            }
        };
    }

    private static QuicConnection wrap(QuicConnection connection) {
        return new QuicConnection() {
            @Override
            public CompletableFuture<QuicStream> openBidirectionalStream() {
                return connection.openBidirectionalStream().thenApply(TruncatingProvider::wrap);
            }

            @Override
            public QuicStream acceptStream() throws IOException, InterruptedException {
                return wrap(connection.acceptStream());
            }

            @Override
            public InetSocketAddress localAddress() {
                return connection.localAddress();
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return connection.remoteAddress();
            }

            @Override
            public int maxStreamFramePayload() {
                return connection.maxStreamFramePayload();
            }

            @Override
            public TransportStats stats() {
                return connection.stats();
            }

            @Override
            public void close(long applicationErrorCode, String reason) {
                connection.close(applicationErrorCode, reason);
            }

            @Override
            public CompletableFuture<ConnectionClose> closed() {
                return connection.closed();
            }
        };
    }

    private static QuicStream wrap(QuicStream stream) {
        OutputStream truncating = new FilterOutputStream(stream.output()) {
            private int held = -1;

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
        };
        return new QuicStream() {
            @Override
            public long id() {
                return stream.id();
            }

            @Override
            public InputStream input() {
                return stream.input();
            }

            @Override
            public OutputStream output() {
                return truncating;
            }

            @Override
            public void reset(long applicationErrorCode) {
                stream.reset(applicationErrorCode);
            }

            @Override
            public void stopSending(long applicationErrorCode) {
                stream.stopSending(applicationErrorCode);
            }
        };
    }
}
