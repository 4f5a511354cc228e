package io.kwik.interop.broken;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

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
 * A deliberately broken backend for testing the kit itself: it wraps a real one and passes
 * the output of every stream it hands out through a breaker ({@link TruncatingOutput},
 * {@link FinAfterFlushLosingOutput}). Everything else is the real backend's.
 */
final class BrokenOutputProvider implements QuicTransportProvider {
    private final QuicTransportProvider real;
    private final String flaw;
    private final UnaryOperator<OutputStream> breaker;

    /**
     * @param flaw    appended to the real backend's name
     * @param breaker wraps the real output of each stream
     */
    BrokenOutputProvider(QuicTransportProvider real, String flaw, UnaryOperator<OutputStream> breaker) {
        this.real = real;
        this.flaw = flaw;
        this.breaker = breaker;
    }

    @Override
    public String name() {
        return real.name() + "-" + flaw;
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
                return transport.connect(remote, config).thenApply(BrokenOutputProvider.this::wrap);
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

    private QuicConnection wrap(QuicConnection connection) {
        return new QuicConnection() {
            @Override
            public CompletableFuture<QuicStream> openBidirectionalStream() {
                return connection.openBidirectionalStream().thenApply(BrokenOutputProvider.this::wrap);
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

    private QuicStream wrap(QuicStream stream) {
        OutputStream broken = breaker.apply(stream.output());
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
                return broken;
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
