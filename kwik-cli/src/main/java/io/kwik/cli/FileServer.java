package io.kwik.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.MultiSourceTransfer;
import io.kwik.api.Role;
import io.kwik.api.ServerConfig;

/**
 * The server of {@code kwik serve}: hands out the files under one root directory, over KWIK.
 *
 * <p>A session whose client dialed this server (role {@link Role#PRIMARY_SERVER}) is served as
 * a primary: it asks the client to join every configured secondary ({@link KwikSession#addPath}),
 * starts sending the requested file at once with a {@link MultiSourceTransfer}, and adds each
 * secondary to the transfer once it has answered, through the raw relay, that it serves the file
 * with the same size and SHA-256; those that do not are left out. A session the client joined at another primary's request (role
 * {@link Role#SECONDARY_SERVER}) is served as a secondary: it answers checks and writes the
 * ranges delegated to it. Any server can play either part; one "is a primary" when it was
 * given secondaries.
 *
 * <p>This class listens and hands each session to the class that serves it:
 * {@link PrimarySession} or {@link SecondarySession}.
 */
final class FileServer implements AutoCloseable {

    /**
     * What a server needs.
     *
     * @param bind         the address to listen on; port 0 picks one
     * @param catalog      the files it serves
     * @param secondaries  the servers it asks clients to join, in order; empty for a secondary
     * @param config       its KWIK configuration
     * @param checkTimeout how long a secondary may take to answer a check (it may hash the file first)
     * @param log          where it reports what happens, one line at a time
     * @param limits       what it does at most at once
     */
    record Settings(InetSocketAddress bind, FileCatalog catalog, List<InetSocketAddress> secondaries,
                    ServerConfig config, Duration checkTimeout, Consumer<String> log, ServeLimits limits) {
        Settings {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(catalog, "catalog");
            secondaries = List.copyOf(secondaries);
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(checkTimeout, "checkTimeout");
            Objects.requireNonNull(log, "log");
            Objects.requireNonNull(limits, "limits");
        }

        /** With {@link ServeLimits#DEFAULTS}. */
        Settings(InetSocketAddress bind, FileCatalog catalog, List<InetSocketAddress> secondaries,
                 ServerConfig config, Duration checkTimeout, Consumer<String> log) {
            this(bind, catalog, secondaries, config, checkTimeout, log, ServeLimits.DEFAULTS);
        }
    }

    /**
     * The most the server did at once since it started, for tests: the bounds of
     * {@link ServeLimits} hold when these stay within them.
     *
     * @param transfers        downloads sent at once, over all sessions
     * @param checks           checks answered at once, over all sessions
     * @param delegationsQueued delegations one secondary session held at once
     */
    record Peaks(int transfers, int checks, int delegationsQueued) {}

    private final Settings settings;
    private final KwikListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final Map<String, KwikSession> sessions = new ConcurrentHashMap<>();
    private final Semaphore transfers;
    private final ThreadPoolExecutor checks;
    private final AtomicInteger runningTransfers = new AtomicInteger();
    private final AtomicInteger runningChecks = new AtomicInteger();
    private final AtomicInteger peakTransfers = new AtomicInteger();
    private final AtomicInteger peakChecks = new AtomicInteger();
    private final AtomicInteger peakDelegationsQueued = new AtomicInteger();

    private FileServer(Settings settings, KwikListener listener) {
        this.settings = settings;
        this.listener = listener;
        ServeLimits limits = settings.limits();
        this.transfers = new Semaphore(limits.transfers());
        // a fixed set of virtual threads behind a bounded queue: a flood of checks waits in the
        // queue or is refused, it never starts a thread per message
        this.checks = new ThreadPoolExecutor(limits.checks(), limits.checks(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(1, limits.checks() * limits.checksPerSession())),
                Thread.ofVirtual().name("kwik-serve-check-", 0).factory(), new ThreadPoolExecutor.AbortPolicy());
        this.acceptor = Thread.ofVirtual().name("kwik-serve-accept").start(this::acceptSessions);
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException when the address cannot be bound
     */
    static FileServer start(Settings settings) throws IOException {
        return new FileServer(settings, Kwik.listen(settings.bind(), settings.config()));
    }

    Settings settings() {
        return settings;
    }

    InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    boolean isPrimary() {
        return !settings.secondaries().isEmpty();
    }

    /** Waits until the server is closed. */
    void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    /** Stops at once: closes the listener and, with it, every session. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            listener.close();
            sessions.values().forEach(KwikSession::close);
            checks.shutdownNow();
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    private void acceptSessions() {
        while (!closed.get()) {
            KwikSession session;
            try {
                session = listener.accept();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                if (!closed.get()) settings.log().accept("the listener failed: " + e.getMessage());
                return;
            }
            sessions.put(session.id() + "/" + session.pathId(), session);
            session.closed().whenComplete((reason, failure) -> sessions.remove(session.id() + "/" + session.pathId()));
            if (closed.get()) session.close();
            if (session.role() == Role.SECONDARY_SERVER) {
                Thread.ofVirtual().name("kwik-secondary-" + session.pathId()).start(() -> new SecondarySession(this, session).run());
            } else {
                Thread.ofVirtual().name("kwik-primary-" + session.id()).start(() -> new PrimarySession(this, session).run());
            }
        }
    }

    /**
     * Takes one of the server's transfer slots, without waiting.
     *
     * @return false when every slot is taken
     */
    boolean tryStartTransfer() {
        if (!transfers.tryAcquire()) return false;
        peakTransfers.accumulateAndGet(runningTransfers.incrementAndGet(), Math::max);
        return true;
    }

    /** Gives back a slot {@link #tryStartTransfer()} took. */
    void endTransfer() {
        runningTransfers.decrementAndGet();
        transfers.release();
    }

    /**
     * Runs {@code check} on one of the server's check threads, once one is free.
     *
     * @return false when too many checks wait already: the caller refuses this one
     */
    boolean submitCheck(Runnable check) {
        try {
            checks.execute(() -> {
                peakChecks.accumulateAndGet(runningChecks.incrementAndGet(), Math::max);
                try {
                    check.run();
                } finally {
                    runningChecks.decrementAndGet();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Records how many delegations a secondary session holds now. */
    void delegationsQueued(int queued) {
        peakDelegationsQueued.accumulateAndGet(queued, Math::max);
    }

    Peaks peaks() {
        return new Peaks(peakTransfers.get(), peakChecks.get(), peakDelegationsQueued.get());
    }

    void log(KwikSession session, String message) {
        settings.log().accept("[" + session.id().substring(0, 8) + " " + session.pathId() + "] " + message);
    }

    static String reason(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    static String format(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
