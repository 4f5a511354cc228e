package io.kwik.engine.session;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikSession;
import io.kwik.engine.transport.TransportSelector;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;

/**
 * A {@link KwikClient}: one transport for every session it dials, their primaries and their
 * secondaries. It keeps the sessions that are open, to close them with itself.
 */
public final class EngineClient implements KwikClient {
    private static final System.Logger LOG = System.getLogger(EngineClient.class.getName());

    private final ClientConfig config;
    private final QuicTransport transport;
    private final ThreadFactory threads;
    private final Set<KwikSession> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private EngineClient(ClientConfig config, QuicTransport transport, ThreadFactory threads) {
        this.config = config;
        this.transport = transport;
        this.threads = threads;
    }

    /** See {@link io.kwik.api.Kwik#newClient}: creates the client's transport. */
    public static EngineClient open(ClientConfig config) {
        Objects.requireNonNull(config, "config");
        TransportContext context = TransportContext.of(ClientDialer.TRANSPORT_NAME);
        return new EngineClient(config, TransportSelector.select(config.transport()).create(context),
                context.threadFactory());
    }

    @Override
    public KwikSession dial(InetSocketAddress primary) throws IOException {
        Objects.requireNonNull(primary, "primary");
        requireOpen();
        KwikSession session;
        try {
            session = ClientDialer.handshake(transport, threads, primary, config, open::remove);
        } catch (IOException e) {
            if (closed.get()) throw new IOException("the KwikClient closed while dialing " + primary, e);
            throw e;
        }
        open.add(session);
        // a session that ended before it was added ran its open::remove too early
        if (session.closed().toCompletableFuture().isDone()) open.remove(session);
        // close() sets the flag before it walks the set, so a session added after that walk sees it
        if (closed.get()) {
            session.close(ErrorCode.NONE, CLOSE_REASON);
            throw new IOException("the KwikClient closed while dialing " + primary);
        }
        return session;
    }

    @Override
    public CompletableFuture<KwikSession> dialAsync(InetSocketAddress primary) {
        Objects.requireNonNull(primary, "primary");
        requireOpen();
        CompletableFuture<KwikSession> result = new CompletableFuture<>();
        threads.newThread(() -> {
            try {
                KwikSession session = dial(primary);
                if (!result.complete(session)) session.close(ErrorCode.NONE, "dial abandoned");
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }).start();
        return result;
    }

    @Override
    public ClientConfig config() {
        return config;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            for (KwikSession session : List.copyOf(open)) {
                try {
                    session.close(ErrorCode.NONE, CLOSE_REASON);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "closing " + session + " failed", e);
                }
            }
            open.clear();
        } finally {
            transport.close();
        }
    }

    private void requireOpen() {
        if (closed.get()) throw new IllegalStateException("this KwikClient is closed: make a new one with Kwik.newClient");
    }

    @Override
    public String toString() {
        return "KwikClient[" + open.size() + " open sessions" + (closed.get() ? ", closed" : "") + "]";
    }
}
