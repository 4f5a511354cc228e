package io.kwik.tck.impair;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A UDP proxy on loopback that drops, delays or blackholes datagrams between clients and one
 * server, per direction, through replaceable policies. quic-go's test proxy
 * ({@code integrationtests/tools/proxy}) is the model.
 *
 * <p>Clients send to {@link #address()} ({@code 127.0.0.1} and an ephemeral port). For every
 * client source address the proxy opens one upstream socket towards the server, so the
 * server sees one distinct peer per client, and answers the server sends on that socket go
 * back to that client from {@link #address()}. For each datagram the proxy takes the next
 * packet index of its direction, then:
 * <ol>
 *   <li>drops it while the {@linkplain #blackhole(boolean) blackhole} is on, or when its client
 *       is one of the {@linkplain #blackholeFirstClients(int) first clients blackholed};</li>
 *   <li>otherwise drops it if the {@linkplain #dropPolicy(DropPolicy) drop policy} says so;</li>
 *   <li>otherwise holds it for the {@linkplain #delayPolicy(DelayPolicy) delay policy}'s delay,
 *       in a bounded queue, and forwards it when the delay ends (at once if there is none).</li>
 * </ol>
 * Both policies and the blackhole may be changed while the proxy runs.
 *
 * <p>Safety and bounds: the server must be a loopback address, and datagrams from sources
 * that are not loopback addresses are rejected, so the proxy never sends off the machine. The
 * delay queue holds at most {@link Builder#maxDelayed(int)} datagrams (more are dropped and
 * counted as overflowed), at most {@link Builder#maxClients(int)} clients are served, and the
 * proxy {@linkplain #close() closes} itself after {@link Builder#maxLifetime(Duration)}, so a
 * forgotten proxy does not run for ever. Its threads are daemon threads.
 *
 * <pre>{@code
 * try (ImpairmentProxy proxy = ImpairmentProxy.builder(server.localAddress())
 *         .dropPolicy(DropPolicy.randomLoss(0.05, 42))
 *         .start()) {
 *     connect(proxy.address());
 *     proxy.blackhole(true);
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class ImpairmentProxy implements AutoCloseable {

    /** The default bound of the delay queue. */
    public static final int DEFAULT_MAX_DELAYED = 4096;
    /** The default number of client source addresses served. */
    public static final int DEFAULT_MAX_CLIENTS = 64;
    /** The default time after which a proxy closes itself. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(10);
    /** The default send and receive buffer requested for every socket of the proxy. */
    public static final int DEFAULT_SOCKET_BUFFER = 4 << 20;

    private static final System.Logger LOG = System.getLogger(ImpairmentProxy.class.getName());
    private static final int MAX_DATAGRAM = 65_535;
    private static final InetAddress LOOPBACK_V4 = loopbackV4();
    private static final Duration JOIN_BOUND = Duration.ofSeconds(2);

    private final String name;
    private final InetSocketAddress server;
    private final DatagramSocket downstream;
    private final InetSocketAddress address;
    private final int maxDelayed;
    private final int maxClients;
    private final int socketBuffer;
    private final long deadlineNanos;
    private final Duration maxLifetime;

    private volatile DropPolicy dropPolicy;
    private volatile DelayPolicy delayPolicy;
    private volatile boolean blackhole;
    private volatile int blackholedClients;
    private volatile int applicationDataDroppedClients;
    private final AtomicLong applicationDataDropped = new AtomicLong();
    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();

    private final ConcurrentHashMap<InetSocketAddress, Upstream> upstreams = new ConcurrentHashMap<>();
    private final AtomicInteger clientCount = new AtomicInteger();

    private final AtomicLong[] nextIndex = {new AtomicLong(), new AtomicLong()};
    private final AtomicLong[] handled = {new AtomicLong(), new AtomicLong()};
    private final AtomicInteger handledWaiters = new AtomicInteger();
    private final ReentrantLock handledLock = new ReentrantLock();
    private final Condition handledChanged = handledLock.newCondition();
    private final AtomicLong[] forwarded = {new AtomicLong(), new AtomicLong()};
    private final AtomicLong[] dropped = {new AtomicLong(), new AtomicLong()};
    private final AtomicLong overflowed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private final ReentrantLock queueLock = new ReentrantLock();
    private final Condition queueChanged = queueLock.newCondition();
    private final PriorityQueue<Held> queue = new PriorityQueue<>();
    private long heldSequence;

    private final Thread listener;
    private final Thread scheduler;

    /** One datagram waiting for its delay to end; ordered by due time, then arrival. */
    private record Held(long dueNanos, long sequence, Direction direction, byte[] data, Upstream upstream)
            implements Comparable<Held> {
        @Override
        public int compareTo(Held other) {
            int byTime = Long.compare(dueNanos - other.dueNanos, 0);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    /**
     * The socket towards the server for one client, and the thread that reads the server's
     * answers. The socket is not connected (a connected JDK datagram socket silently skips
     * empty datagrams), so the reader ignores datagrams from anyone but the server.
     */
    private final class Upstream {
        final InetSocketAddress client;
        /** 1 for the first client the proxy served, 2 for the next, and so on. */
        final int ordinal;
        final DatagramSocket socket;
        final Thread reader;

        Upstream(InetSocketAddress client, int ordinal) throws IOException {
            this.client = client;
            this.ordinal = ordinal;
            InetAddress local = server.getAddress() instanceof Inet6Address ? InetAddress.getByName("::1") : LOOPBACK_V4;
            this.socket = openSocket(new InetSocketAddress(local, 0), socketBuffer);
            this.reader = Thread.ofPlatform().daemon().name(name + "-from-server-" + client.getPort())
                    .unstarted(this::readFromServer);
        }

        private void readFromServer() {
            byte[] buffer = new byte[MAX_DATAGRAM];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            while (!closed) {
                packet.setData(buffer);
                try {
                    socket.receive(packet);
                } catch (IOException e) {
                    if (!closed) {
                        LOG.log(Level.WARNING, () -> name + ": reading from the server for " + client + " failed", e);
                    }
                    return;
                }
                if (!server.equals(packet.getSocketAddress())) {
                    rejected.incrementAndGet();
                    continue;
                }
                handle(Direction.TO_CLIENT, buffer, packet.getLength(), this);
            }
        }

        void sendToServer(byte[] data, int length) {
            send(socket, new DatagramPacket(data, length, server));
        }

        void sendToClient(byte[] data, int length) {
            send(downstream, new DatagramPacket(data, length, client));
        }

        void close() {
            socket.close();
        }
    }

    private ImpairmentProxy(Builder builder) throws IOException {
        this.name = builder.name;
        this.server = builder.server;
        this.dropPolicy = builder.dropPolicy;
        this.delayPolicy = builder.delayPolicy;
        this.maxDelayed = builder.maxDelayed;
        this.maxClients = builder.maxClients;
        this.socketBuffer = builder.socketBuffer;
        this.maxLifetime = builder.maxLifetime;
        this.deadlineNanos = System.nanoTime() + builder.maxLifetime.toNanos();
        this.downstream = openSocket(new InetSocketAddress(LOOPBACK_V4, 0), socketBuffer);
        this.address = (InetSocketAddress) downstream.getLocalSocketAddress();
        this.listener = Thread.ofPlatform().daemon().name(name + "-from-clients").unstarted(this::readFromClients);
        this.scheduler = Thread.ofPlatform().daemon().name(name + "-delays").unstarted(this::releaseHeld);
    }

    /**
     * A builder for a proxy in front of {@code server}.
     *
     * @param server the server's address; must be a resolved loopback address with a port
     * @throws IllegalArgumentException if {@code server} is unresolved, not loopback, or has port 0
     */
    public static Builder builder(InetSocketAddress server) {
        return new Builder(server);
    }

    /**
     * Starts a proxy in front of {@code server} that forwards everything at once, with the
     * default bounds; impairments can be switched on later.
     *
     * @throws IllegalArgumentException if {@code server} is unresolved, not loopback, or has port 0
     * @throws IOException              if the proxy's socket cannot be bound
     */
    public static ImpairmentProxy start(InetSocketAddress server) throws IOException {
        return builder(server).start();
    }

    private static InetAddress loopbackV4() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static DatagramSocket openSocket(InetSocketAddress local, int buffer) throws IOException {
        DatagramSocket socket = new DatagramSocket(null);
        try {
            if (buffer > 0) {
                socket.setReceiveBufferSize(buffer);
                socket.setSendBufferSize(buffer);
            }
            socket.bind(local);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void begin() {
        listener.start();
        scheduler.start();
        LOG.log(Level.DEBUG, () -> name + ": " + address + " -> " + server);
    }

    /** The address clients send to: {@code 127.0.0.1} and the proxy's port. */
    public InetSocketAddress address() {
        return address;
    }

    /** The server this proxy forwards to. */
    public InetSocketAddress serverAddress() {
        return server;
    }

    /** Replaces the drop policy; datagrams received from now on are judged by {@code policy}. */
    public void dropPolicy(DropPolicy policy) {
        this.dropPolicy = Objects.requireNonNull(policy, "policy");
    }

    /** The current drop policy. */
    public DropPolicy dropPolicy() {
        return dropPolicy;
    }

    /**
     * Replaces the delay policy; datagrams received from now on are held for its delays.
     * Datagrams already held keep theirs.
     */
    public void delayPolicy(DelayPolicy policy) {
        this.delayPolicy = Objects.requireNonNull(policy, "policy");
    }

    /** The current delay policy. */
    public DelayPolicy delayPolicy() {
        return delayPolicy;
    }

    /**
     * Switches the blackhole on or off. While it is on, every datagram received, in both
     * directions, is dropped (and counted as dropped) without asking the policies. Datagrams
     * already held for a delay are still forwarded when their delay ends.
     */
    public void blackhole(boolean on) {
        this.blackhole = on;
        LOG.log(Level.DEBUG, () -> name + ": blackhole " + (on ? "on" : "off"));
    }

    /**
     * Drops every datagram, both ways, of the first {@code count} client source addresses the
     * proxy serves (counted from its start, in the order of their first datagram), as a server
     * or a middlebox that never answers one 4-tuple would. 0 turns it off.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public void blackholeFirstClients(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0: " + count);
        }
        this.blackholedClients = count;
    }

    /**
     * Drops every 1-RTT (short header) and 0-RTT QUIC packet that the first {@code count} client
     * source addresses send towards the server, and forwards their Initial and Handshake packets:
     * the handshake completes, but none of the client's application data (stream frames, its
     * ACKs, its CONNECTION_CLOSE) ever arrives, as if every packet carrying the client's first
     * request were lost. A coalesced datagram loses only its 1-RTT tail; one that is all 1-RTT is
     * dropped and counted as dropped. The server's packets are not touched. 0 turns it off.
     *
     * <p>QUIC versions 1 and 2 are parsed; a datagram of any other version, or one too short to
     * parse, is forwarded whole.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public void dropApplicationDataOfFirstClients(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0: " + count);
        }
        this.applicationDataDroppedClients = count;
    }

    /** Datagrams towards the server that {@link #dropApplicationDataOfFirstClients} dropped or cut short. */
    public long applicationDataDropped() {
        return applicationDataDropped.get();
    }

    /** Whether the blackhole is on. */
    public boolean blackholed() {
        return blackhole;
    }

    /** A snapshot of the counters. */
    public ProxyCounters counters() {
        return new ProxyCounters(forwarded[0].get(), forwarded[1].get(), dropped[0].get(), dropped[1].get(),
                overflowed.get(), rejected.get(), failed.get(), clientCount.get());
    }

    /**
     * Waits until the proxy has handled at least {@code count} datagrams received in
     * {@code direction} since it started: dropped them, forwarded them, or queued them for
     * their delay. Tests use it to know that a datagram that must not arrive was judged,
     * instead of waiting for time to pass.
     *
     * @return {@code true} once they are handled, {@code false} if {@code timeout} passed first
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitHandled(Direction direction, long count, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(direction, "direction");
        AtomicLong done = handled[direction.ordinal()];
        long deadline = System.nanoTime() + timeout.toNanos();
        handledWaiters.incrementAndGet();
        handledLock.lock();
        try {
            while (done.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                handledChanged.awaitNanos(left);
            }
            return true;
        } finally {
            handledLock.unlock();
            handledWaiters.decrementAndGet();
        }
    }

    /** Whether the proxy is closed, by {@link #close()} or because its lifetime ended. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * A future that completes when the proxy has closed, by {@link #close()} or because its
     * lifetime ended. Completing or cancelling the returned future does not affect the proxy.
     */
    public CompletableFuture<Void> whenClosed() {
        return closedFuture.copy();
    }

    /**
     * Closes every socket, discards held datagrams and stops the proxy's threads, waiting a
     * bounded time for them. Idempotent; safe from any thread, including a policy.
     */
    @Override
    public void close() {
        closed = true;
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        downstream.close();
        List<Thread> threads = new ArrayList<>(List.of(listener, scheduler));
        for (Upstream upstream : upstreams.values()) {
            upstream.close();
            threads.add(upstream.reader);
        }
        queueLock.lock();
        try {
            queue.clear();
            queueChanged.signalAll();
        } finally {
            queueLock.unlock();
        }
        long joinDeadline = System.nanoTime() + JOIN_BOUND.toNanos();
        for (Thread thread : threads) {
            if (thread == Thread.currentThread()) {
                continue;
            }
            try {
                thread.join(Duration.ofNanos(Math.max(1, joinDeadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closedFuture.complete(null);
        LOG.log(Level.DEBUG, () -> name + ": closed; " + counters());
    }

    private void readFromClients() {
        byte[] buffer = new byte[MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            packet.setData(buffer);
            try {
                downstream.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, () -> name + ": reading from clients failed; closing", e);
                    close();
                }
                return;
            }
            InetSocketAddress source = (InetSocketAddress) packet.getSocketAddress();
            Upstream upstream = upstreamFor(source);
            if (upstream != null) {
                handle(Direction.TO_SERVER, buffer, packet.getLength(), upstream);
            }
        }
    }

    /** The upstream of a client, opened on its first datagram; {@code null} if the client is rejected. */
    private Upstream upstreamFor(InetSocketAddress client) {
        Upstream existing = upstreams.get(client);
        if (existing != null) {
            return existing;
        }
        if (!client.getAddress().isLoopbackAddress() || upstreams.size() >= maxClients) {
            rejected.incrementAndGet();
            LOG.log(Level.DEBUG, () -> name + ": rejected a datagram from " + client);
            return null;
        }
        Upstream upstream;
        try {
            // only this thread opens upstreams, so the next count is this client's ordinal
            upstream = new Upstream(client, clientCount.get() + 1);
        } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            LOG.log(Level.WARNING, () -> name + ": cannot open an upstream socket for " + client, e);
            return null;
        }
        upstreams.put(client, upstream);
        if (closed) { // close() may have walked the map before the put
            upstream.close();
            return null;
        }
        clientCount.incrementAndGet();
        upstream.reader.start();
        return upstream;
    }

    private void handle(Direction direction, byte[] buffer, int length, Upstream upstream) {
        try {
            judge(direction, buffer, length, upstream);
        } finally {
            handled[direction.ordinal()].incrementAndGet();
            if (handledWaiters.get() > 0) {
                handledLock.lock();
                try {
                    handledChanged.signalAll();
                } finally {
                    handledLock.unlock();
                }
            }
        }
    }

    /** Drops, forwards or holds one datagram. */
    private void judge(Direction direction, byte[] buffer, int length, Upstream upstream) {
        int d = direction.ordinal();
        long index = nextIndex[d].getAndIncrement();
        if (blackhole || upstream.ordinal <= blackholedClients) {
            dropped[d].incrementAndGet();
            return;
        }
        if (direction == Direction.TO_SERVER && upstream.ordinal <= applicationDataDroppedClients) {
            int kept = handshakePrefix(buffer, length);
            if (kept < length) {
                applicationDataDropped.incrementAndGet();
                if (kept == 0) {
                    dropped[d].incrementAndGet();
                    return;
                }
                length = kept;
            }
        }
        Duration delay;
        try {
            if (dropPolicy.drop(direction, index, length)) {
                dropped[d].incrementAndGet();
                return;
            }
            delay = delayPolicy.delay(direction, index, length);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            LOG.log(Level.WARNING, () -> name + ": a policy failed on " + direction + " #" + index
                    + "; forwarding it at once", e);
            delay = null;
        }
        if (delay == null || delay.isZero() || delay.isNegative()) {
            forward(direction, buffer, length, upstream);
            return;
        }
        byte[] copy = Arrays.copyOf(buffer, length);
        long due = System.nanoTime() + saturatedNanos(delay);
        queueLock.lock();
        try {
            if (closed) {
                return;
            }
            if (queue.size() >= maxDelayed) {
                overflowed.incrementAndGet();
                return;
            }
            Held held = new Held(due, heldSequence++, direction, copy, upstream);
            queue.add(held);
            if (queue.peek() == held) {
                queueChanged.signalAll();
            }
        } finally {
            queueLock.unlock();
        }
    }

    /**
     * The length of the datagram's leading Initial and Handshake packets (RFC 9000 17.2, RFC 9369
     * 3.2): everything before its first 1-RTT or 0-RTT packet. The whole length when the
     * datagram cannot be parsed, so that an unknown datagram is never cut.
     */
    static int handshakePrefix(byte[] datagram, int length) {
        int offset = 0;
        while (offset < length) {
            int first = datagram[offset] & 0xff;
            if ((first & 0x80) == 0) {
                return offset;  // a short header runs to the end of the datagram
            }
            int p = offset + 1;
            if (p + 4 > length) {
                return length;
            }
            int version = ((datagram[p] & 0xff) << 24) | ((datagram[p + 1] & 0xff) << 16)
                    | ((datagram[p + 2] & 0xff) << 8) | (datagram[p + 3] & 0xff);
            p += 4;
            int type = (first & 0x30) >> 4;
            boolean initial;
            boolean zeroRtt;
            if (version == 1) {
                initial = type == 0;
                zeroRtt = type == 1;
                if (type == 3) {
                    return length;  // Retry: the server's, never the client's
                }
            } else if (version == 0x6b3343cf) {
                initial = type == 1;
                zeroRtt = type == 2;
                if (type == 0) {
                    return length;
                }
            } else {
                return length;
            }
            if (zeroRtt) {
                return offset;
            }
            for (int cid = 0; cid < 2; cid++) {  // destination, then source connection id
                if (p >= length) {
                    return length;
                }
                p += 1 + (datagram[p] & 0xff);
            }
            if (initial) {
                long token = varint(datagram, p, length);
                if (token < 0) {
                    return length;
                }
                p += varintLength(datagram[p]) + (int) Math.min(token, length);
            }
            long packetLength = varint(datagram, p, length);
            if (packetLength < 0) {
                return length;
            }
            long end = p + varintLength(datagram[p]) + packetLength;
            if (end > length) {
                return length;
            }
            offset = (int) end;
        }
        return length;
    }

    /** The variable-length integer at {@code p}, or -1 if it runs past {@code length}. */
    private static long varint(byte[] data, int p, int length) {
        if (p >= length) {
            return -1;
        }
        int size = varintLength(data[p]);
        if (p + size > length) {
            return -1;
        }
        long value = data[p] & 0x3f;
        for (int i = 1; i < size; i++) {
            value = (value << 8) | (data[p + i] & 0xff);
        }
        return value;
    }

    private static int varintLength(byte first) {
        return 1 << ((first & 0xc0) >> 6);
    }

    private static long saturatedNanos(Duration delay) {
        return delay.compareTo(Duration.ofDays(365)) > 0 ? TimeUnit.DAYS.toNanos(365) : delay.toNanos();
    }

    private void forward(Direction direction, byte[] data, int length, Upstream upstream) {
        if (direction == Direction.TO_SERVER) {
            upstream.sendToServer(data, length);
        } else {
            upstream.sendToClient(data, length);
        }
    }

    /**
     * Sends one datagram. It is counted as forwarded before it is sent, so the counters
     * already include a datagram when the peer receives it; a failed send moves it to failed.
     */
    private void send(DatagramSocket socket, DatagramPacket packet) {
        Direction direction = socket == downstream ? Direction.TO_CLIENT : Direction.TO_SERVER;
        forwarded[direction.ordinal()].incrementAndGet();
        try {
            socket.send(packet);
        } catch (IOException e) {
            forwarded[direction.ordinal()].decrementAndGet();
            if (!closed) {
                failed.incrementAndGet();
                LOG.log(Level.DEBUG, () -> name + ": sending " + direction + " failed", e);
            }
        }
    }

    /** The delay thread: forwards held datagrams when due, and closes the proxy when its lifetime ends. */
    private void releaseHeld() {
        while (!closed) {
            Held due = null;
            boolean expired = false;
            queueLock.lock();
            try {
                while (!closed) {
                    long now = System.nanoTime();
                    if (now - deadlineNanos >= 0) {
                        expired = true;
                        break;
                    }
                    Held head = queue.peek();
                    if (head != null && now - head.dueNanos() >= 0) {
                        due = queue.poll();
                        break;
                    }
                    long wait = deadlineNanos - now;
                    if (head != null) {
                        wait = Math.min(wait, head.dueNanos() - now);
                    }
                    queueChanged.awaitNanos(wait);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                queueLock.unlock();
            }
            if (expired) {
                LOG.log(Level.INFO, () -> name + ": closing itself after its lifetime of " + maxLifetime);
                close();
                return;
            }
            if (due != null) {
                forward(due.direction(), due.data(), due.data().length, due.upstream());
            }
        }
    }

    /**
     * Options of an {@link ImpairmentProxy}. Every option has a default; {@link #start()}
     * binds the proxy's socket and starts its threads.
     */
    public static final class Builder {

        private final InetSocketAddress server;
        private DropPolicy dropPolicy = DropPolicy.none();
        private DelayPolicy delayPolicy = DelayPolicy.none();
        private int maxDelayed = DEFAULT_MAX_DELAYED;
        private int maxClients = DEFAULT_MAX_CLIENTS;
        private int socketBuffer = DEFAULT_SOCKET_BUFFER;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private String name = "impairment-proxy";

        private Builder(InetSocketAddress server) {
            Objects.requireNonNull(server, "server");
            if (server.isUnresolved()) {
                throw new IllegalArgumentException("the server address must be resolved: " + server);
            }
            if (!server.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("the proxy only forwards to loopback addresses: " + server);
            }
            if (server.getPort() == 0) {
                throw new IllegalArgumentException("the server address needs a port: " + server);
            }
            this.server = server;
        }

        /** The initial drop policy; {@link DropPolicy#none()} by default. */
        public Builder dropPolicy(DropPolicy policy) {
            this.dropPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The initial delay policy; {@link DelayPolicy#none()} by default. */
        public Builder delayPolicy(DelayPolicy policy) {
            this.delayPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How many datagrams may wait for their delay at once; more are dropped and counted as
         * overflowed. {@value ImpairmentProxy#DEFAULT_MAX_DELAYED} by default.
         *
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public Builder maxDelayed(int count) {
            if (count <= 0) {
                throw new IllegalArgumentException("maxDelayed must be > 0: " + count);
            }
            this.maxDelayed = count;
            return this;
        }

        /**
         * How many client source addresses are served; datagrams from further ones are
         * rejected. 64 by default.
         *
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public Builder maxClients(int count) {
            if (count <= 0) {
                throw new IllegalArgumentException("maxClients must be > 0: " + count);
            }
            this.maxClients = count;
            return this;
        }

        /**
         * The send and receive buffer requested for each socket (the OS may grant less); 0
         * keeps the OS default. 4 MiB by default, so that a burst is not lost in the proxy
         * unless a policy says so.
         *
         * @throws IllegalArgumentException if {@code bytes} is negative
         */
        public Builder socketBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("socketBufferSize must be >= 0: " + bytes);
            }
            this.socketBuffer = bytes;
            return this;
        }

        /**
         * The time after which the proxy closes itself, so a forgotten proxy never runs for
         * ever. 10 minutes by default.
         *
         * @throws IllegalArgumentException if {@code lifetime} is not positive
         */
        public Builder maxLifetime(Duration lifetime) {
            Objects.requireNonNull(lifetime, "lifetime");
            if (lifetime.isNegative() || lifetime.isZero()) {
                throw new IllegalArgumentException("maxLifetime must be > 0: " + lifetime);
            }
            this.maxLifetime = lifetime;
            return this;
        }

        /** The prefix of the proxy's thread names and log lines; {@code "impairment-proxy"} by default. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Binds the proxy on {@code 127.0.0.1} and an ephemeral port and starts forwarding.
         *
         * @throws IOException if the socket cannot be bound
         */
        public ImpairmentProxy start() throws IOException {
            ImpairmentProxy proxy = new ImpairmentProxy(this);
            proxy.begin();
            return proxy;
        }
    }
}
