package io.kwik.tck.impair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.tck.tools.Digests;

/**
 * {@link ImpairmentProxy} between plain {@link DatagramSocket}s on loopback. Every wait is a
 * socket timeout or a bounded future wait; nothing sleeps. A "nothing arrives" check is a
 * receive that must time out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class ImpairmentProxyTest {

    /** How long a datagram that should arrive may take. */
    private static final int ARRIVES_MS = 5_000;
    /** How long to watch for a datagram that must not arrive. */
    private static final int ABSENT_MS = 300;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private DatagramSocket socket() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(ARRIVES_MS);
        closeables.add(socket);
        return socket;
    }

    private ImpairmentProxy proxy(ImpairmentProxy.Builder builder) throws IOException {
        ImpairmentProxy proxy = builder.start();
        closeables.add(proxy);
        return proxy;
    }

    private static InetSocketAddress address(DatagramSocket socket) {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private static void send(DatagramSocket from, byte[] data, InetSocketAddress to) throws IOException {
        from.send(new DatagramPacket(data, data.length, to));
    }

    private static void send(DatagramSocket from, String text, InetSocketAddress to) throws IOException {
        send(from, text.getBytes(StandardCharsets.US_ASCII), to);
    }

    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65_535], 65_535);
        socket.receive(packet);
        return packet;
    }

    private static String receiveText(DatagramSocket socket) throws IOException {
        DatagramPacket packet = receive(socket);
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
    }

    /** Waits until the proxy has judged {@code count} datagrams going {@code direction}. */
    private static void awaitHandled(ImpairmentProxy proxy, Direction direction, long count) throws InterruptedException {
        assertThat(proxy.awaitHandled(direction, count, Duration.ofMillis(ARRIVES_MS)))
                .as("the proxy handled %d datagrams %s", count, direction).isTrue();
    }

    private static void assertNothingArrives(DatagramSocket socket) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(ABSENT_MS);
        try {
            DatagramPacket packet = receive(socket);
            throw new AssertionError("unexpected datagram of " + packet.getLength() + " bytes: "
                    + new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII));
        } catch (SocketTimeoutException expected) {
            // nothing came
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    @Test
    void forwardsBothWaysByteExact() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)));
        assertThat(proxy.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(proxy.address().getPort()).isPositive();
        assertThat(proxy.serverAddress()).isEqualTo(address(server));

        InetSocketAddress upstream = null;
        for (int length : new int[] {0, 1, 1200, 65_507}) {
            byte[] request = Digests.payload(length, length);
            send(client, request, proxy.address());
            DatagramPacket atServer = receive(server);
            assertThat(Arrays.copyOf(atServer.getData(), atServer.getLength())).as("%d bytes to the server", length)
                    .isEqualTo(request);
            assertThat(atServer.getSocketAddress()).as("the proxy's upstream socket for this client")
                    .isNotEqualTo(proxy.address());
            if (upstream == null) {
                upstream = (InetSocketAddress) atServer.getSocketAddress();
            }
            assertThat(atServer.getSocketAddress()).as("one upstream socket per client").isEqualTo(upstream);

            byte[] answer = Digests.payload(-length, length);
            send(server, answer, upstream);
            DatagramPacket atClient = receive(client);
            assertThat(Arrays.copyOf(atClient.getData(), atClient.getLength())).as("%d bytes to the client", length)
                    .isEqualTo(answer);
            assertThat(atClient.getSocketAddress()).as("answers come from the proxy's address").isEqualTo(proxy.address());
        }
        assertThat(proxy.counters()).isEqualTo(new ProxyCounters(4, 4, 0, 0, 0, 0, 0, 1));
    }

    @Test
    void answersGoBackToTheClientTheyCameFrom() throws Exception {
        DatagramSocket server = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)));
        List<DatagramSocket> clients = List.of(socket(), socket(), socket());

        Set<InetSocketAddress> upstreams = new HashSet<>();
        for (int i = 0; i < clients.size(); i++) {
            send(clients.get(i), "hello " + i, proxy.address());
            DatagramPacket atServer = receive(server);
            String text = new String(atServer.getData(), 0, atServer.getLength(), StandardCharsets.US_ASCII);
            assertThat(text).isEqualTo("hello " + i);
            upstreams.add((InetSocketAddress) atServer.getSocketAddress());
            send(server, "answer " + i, (InetSocketAddress) atServer.getSocketAddress());
        }
        assertThat(upstreams).as("one upstream socket per client").hasSize(3);
        for (int i = 0; i < clients.size(); i++) {
            assertThat(receiveText(clients.get(i))).isEqualTo("answer " + i);
        }
        for (DatagramSocket client : clients) {
            assertNothingArrives(client);
        }
        assertThat(proxy.counters().clients()).isEqualTo(3);
    }

    @Test
    void blackholesEveryDatagramOfTheFirstClientsOnly() throws Exception {
        DatagramSocket server = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)));
        proxy.blackholeFirstClients(1);
        DatagramSocket first = socket();
        DatagramSocket second = socket();

        send(first, "from the first", proxy.address());
        awaitHandled(proxy, Direction.TO_SERVER, 1);
        send(second, "from the second", proxy.address());
        DatagramPacket atServer = receive(server);
        assertThat(new String(atServer.getData(), 0, atServer.getLength(), StandardCharsets.US_ASCII))
                .as("the only datagram to reach the server").isEqualTo("from the second");
        send(server, "answer", (InetSocketAddress) atServer.getSocketAddress());
        assertThat(receiveText(second)).isEqualTo("answer");

        send(first, "again from the first", proxy.address());
        awaitHandled(proxy, Direction.TO_SERVER, 3);
        assertNothingArrives(server);
        assertThat(proxy.counters().dropped(Direction.TO_SERVER)).isEqualTo(2);
        assertThat(proxy.counters().clients()).isEqualTo(2);
        assertThatThrownBy(() -> proxy.blackholeFirstClients(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dropsExactlyWhatTheDeterministicPolicySays() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        DropPolicy evenAnswers = (direction, index, length) -> index % 2 == 0;
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server))
                .dropPolicy(DropPolicy.firstN(3).onlyIn(Direction.TO_SERVER).or(evenAnswers.onlyIn(Direction.TO_CLIENT))));

        for (int i = 0; i < 10; i++) {
            send(client, "request " + i, proxy.address());
        }
        List<String> atServer = new ArrayList<>();
        InetSocketAddress upstream = null;
        for (int i = 3; i < 10; i++) {
            DatagramPacket packet = receive(server);
            upstream = (InetSocketAddress) packet.getSocketAddress();
            atServer.add(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII));
        }
        assertThat(atServer).containsExactly("request 3", "request 4", "request 5", "request 6", "request 7",
                "request 8", "request 9");
        assertNothingArrives(server);

        for (int i = 0; i < 7; i++) {
            send(server, "answer " + i, upstream);
        }
        send(server, "end", upstream); // index 7 (odd): forwarded, and proves answer 6 was judged
        List<String> atClient = new ArrayList<>();
        for (String text = ""; !text.equals("end"); ) {
            text = receiveText(client);
            atClient.add(text);
        }
        assertThat(atClient).containsExactly("answer 1", "answer 3", "answer 5", "end");
        assertThat(proxy.counters()).isEqualTo(new ProxyCounters(7, 4, 3, 4, 0, 0, 0, 1));
    }

    @Test
    void seededRandomLossIsReproducibleAndNearItsRate() {
        DropPolicy a = DropPolicy.randomLoss(0.05, 7);
        DropPolicy b = DropPolicy.randomLoss(0.05, 7);
        DropPolicy other = DropPolicy.randomLoss(0.05, 8);
        int drops = 0;
        int differences = 0;
        for (Direction direction : Direction.values()) {
            for (long i = 0; i < 100_000; i++) {
                boolean dropped = a.drop(direction, i, 1200);
                assertThat(b.drop(direction, i, 1200)).isEqualTo(dropped);
                drops += dropped ? 1 : 0;
                differences += dropped != other.drop(direction, i, 1200) ? 1 : 0;
            }
        }
        assertThat(drops).isBetween(9_400, 10_600);
        assertThat(differences).as("another seed drops other datagrams").isGreaterThan(5_000);
        assertThat(DropPolicy.randomLoss(0, 1).drop(Direction.TO_SERVER, 5, 1)).isFalse();
        assertThat(DropPolicy.randomLoss(1, 1).drop(Direction.TO_CLIENT, 5, 1)).isTrue();
        assertThatThrownBy(() -> DropPolicy.randomLoss(1.5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DropPolicy.randomLoss(Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blackholeTogglesWhileRunning() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)));

        send(client, "before", proxy.address());
        DatagramPacket first = receive(server);
        InetSocketAddress upstream = (InetSocketAddress) first.getSocketAddress();
        send(server, "answer before", upstream);
        assertThat(receiveText(client)).isEqualTo("answer before");

        proxy.blackhole(true);
        assertThat(proxy.blackholed()).isTrue();
        send(client, "during", proxy.address());
        send(server, "answer during", upstream);
        awaitHandled(proxy, Direction.TO_SERVER, 2);
        awaitHandled(proxy, Direction.TO_CLIENT, 2);
        assertNothingArrives(server);
        assertNothingArrives(client);

        proxy.blackhole(false);
        assertThat(proxy.blackholed()).isFalse();
        send(client, "after", proxy.address());
        assertThat(receiveText(server)).isEqualTo("after");
        send(server, "answer after", upstream);
        assertThat(receiveText(client)).isEqualTo("answer after");

        assertThat(proxy.counters()).isEqualTo(new ProxyCounters(2, 2, 1, 1, 0, 0, 0, 1));
    }

    @Test
    void policiesCanBeReplacedWhileRunning() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)).dropPolicy(DropPolicy.all()));

        send(client, "dropped", proxy.address());
        awaitHandled(proxy, Direction.TO_SERVER, 1);
        assertNothingArrives(server);
        DropPolicy none = DropPolicy.none();
        proxy.dropPolicy(none);
        assertThat(proxy.dropPolicy()).isSameAs(none);
        send(client, "forwarded", proxy.address());

        assertThat(receiveText(server)).isEqualTo("forwarded");
        assertThat(proxy.counters().droppedToServer()).isEqualTo(1);
        assertThat(proxy.counters().forwardedToServer()).isEqualTo(1);
        assertThat(proxy.awaitHandled(Direction.TO_CLIENT, 1, Duration.ofMillis(50))).as("nothing went to the client").isFalse();
    }

    @Test
    void readyMadePoliciesBehaveAsDocumented() {
        DelayPolicy uniform = DelayPolicy.uniform(Duration.ofMillis(5), Duration.ofMillis(20), 3);
        Set<Duration> seen = new HashSet<>();
        for (long i = 0; i < 1_000; i++) {
            Duration delay = uniform.delay(Direction.TO_SERVER, i, 100);
            assertThat(delay).isBetween(Duration.ofMillis(5), Duration.ofMillis(20));
            assertThat(DelayPolicy.uniform(Duration.ofMillis(5), Duration.ofMillis(20), 3).delay(Direction.TO_SERVER, i, 100))
                    .isEqualTo(delay);
            seen.add(delay);
        }
        assertThat(seen).as("distinct delays").hasSizeGreaterThan(500);
        assertThat(uniform.onlyIn(Direction.TO_CLIENT).delay(Direction.TO_SERVER, 1, 1)).isZero();
        assertThat(DelayPolicy.fixed(Duration.ofMillis(7)).delay(Direction.TO_CLIENT, 9, 9)).isEqualTo(Duration.ofMillis(7));
        assertThat(DelayPolicy.none().delay(Direction.TO_CLIENT, 9, 9)).isZero();
        assertThatThrownBy(() -> DelayPolicy.uniform(Duration.ofMillis(2), Duration.ofMillis(1), 0))
                .isInstanceOf(IllegalArgumentException.class);

        DropPolicy firstTwo = DropPolicy.firstN(2);
        assertThat(List.of(firstTwo.drop(Direction.TO_SERVER, 0, 1), firstTwo.drop(Direction.TO_SERVER, 1, 1),
                firstTwo.drop(Direction.TO_SERVER, 2, 1), firstTwo.drop(Direction.TO_CLIENT, 1, 1)))
                .containsExactly(true, true, false, true);
        assertThat(firstTwo.onlyIn(Direction.TO_SERVER).drop(Direction.TO_CLIENT, 0, 1)).isFalse();
        assertThat(DropPolicy.all().drop(Direction.TO_CLIENT, 123, 0)).isTrue();
        assertThat(DropPolicy.none().drop(Direction.TO_CLIENT, 0, 0)).isFalse();
        assertThatThrownBy(() -> DropPolicy.firstN(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void delaysReorderDatagrams() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        DelayPolicy holdFirst = (direction, index, length) -> index == 0 ? Duration.ofSeconds(2) : Duration.ZERO;
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)).delayPolicy(holdFirst));

        long start = System.nanoTime();
        for (String text : List.of("a", "b", "c")) {
            send(client, text, proxy.address());
        }
        List<String> order = List.of(receiveText(server), receiveText(server), receiveText(server));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(order).containsExactly("b", "c", "a");
        assertThat(elapsedMs).as("the held datagram waited for its delay").isGreaterThanOrEqualTo(2_000);
        assertThat(proxy.counters().forwardedToServer()).isEqualTo(3);
    }

    @Test
    void delaysAreOrderedByDueTimeInBothDirections() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        // TO_SERVER: index 0 -> 2 s, 1 -> 1 s, 2 -> at once; nothing held TO_CLIENT.
        DelayPolicy policy = ((DelayPolicy) (d, index, length) -> Duration.ofSeconds(2 - index))
                .onlyIn(Direction.TO_SERVER);
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)).delayPolicy(policy));

        for (String text : List.of("x", "y", "z")) {
            send(client, text, proxy.address());
        }
        DatagramPacket firstArrival = receive(server);
        List<String> order = new ArrayList<>(List.of(new String(firstArrival.getData(), 0, firstArrival.getLength(),
                StandardCharsets.US_ASCII)));
        order.add(receiveText(server));
        order.add(receiveText(server));
        assertThat(order).containsExactly("z", "y", "x");

        proxy.delayPolicy(DelayPolicy.fixed(Duration.ofMillis(200)).onlyIn(Direction.TO_CLIENT));
        long start = System.nanoTime();
        send(server, "late answer", (InetSocketAddress) firstArrival.getSocketAddress());
        assertThat(receiveText(client)).isEqualTo("late answer");
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(200);
    }

    @Test
    void delayQueueIsBoundedAndCountsOverflow() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server))
                .delayPolicy(DelayPolicy.fixed(Duration.ofMillis(500))).maxDelayed(2));

        for (int i = 0; i < 5; i++) {
            send(client, "held " + i, proxy.address());
        }
        awaitHandled(proxy, Direction.TO_SERVER, 5);
        assertThat(List.of(receiveText(server), receiveText(server))).containsExactly("held 0", "held 1");
        assertNothingArrives(server);
        assertThat(proxy.counters().overflowed()).isEqualTo(3);
        assertThat(proxy.counters().forwardedToServer()).isEqualTo(2);
    }

    @Test
    void refusesServersThatAreNotLoopback() {
        assertThatThrownBy(() -> ImpairmentProxy.builder(new InetSocketAddress("192.0.2.1", 4433)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> ImpairmentProxy.builder(new InetSocketAddress("0.0.0.0", 4433)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> ImpairmentProxy.builder(new InetSocketAddress("2001:db8::1", 4433)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> ImpairmentProxy.builder(InetSocketAddress.createUnresolved("localhost", 4433)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resolved");
        assertThatThrownBy(() -> ImpairmentProxy.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> ImpairmentProxy.start(new InetSocketAddress("198.51.100.7", 53)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsClientsPastTheLimit() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket first = socket();
        DatagramSocket second = socket();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)).maxClients(1));

        send(first, "one", proxy.address());
        assertThat(receiveText(server)).isEqualTo("one");
        send(second, "two", proxy.address());
        send(first, "three", proxy.address());
        assertThat(receiveText(server)).isEqualTo("three");

        assertThat(proxy.counters().rejected()).isEqualTo(1);
        assertThat(proxy.counters().clients()).isEqualTo(1);
    }

    @Test
    void closesItselfAfterItsLifetime() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        long start = System.nanoTime();
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)).maxLifetime(Duration.ofSeconds(2))
                .name("short-lived-proxy"));
        send(client, "while alive", proxy.address());
        assertThat(receiveText(server)).isEqualTo("while alive");

        proxy.whenClosed().get(10, TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMs).isGreaterThanOrEqualTo(2_000);
        assertThat(proxy.isClosed()).isTrue();
        assertThat(threadsNamed("short-lived-proxy")).as("threads left after the lifetime").isEmpty();
        send(client, "after death", proxy.address());
        assertNothingArrives(server);
    }

    @Test
    void closeIsIdempotentAndStopsEverythingPromptly() throws Exception {
        DatagramSocket server = socket();
        DatagramSocket client = socket();
        DatagramSocket otherClient = socket();
        DelayPolicy holdThird = (direction, index, length) -> index == 2 ? Duration.ofMinutes(5) : Duration.ZERO;
        ImpairmentProxy proxy = proxy(ImpairmentProxy.builder(address(server)).name("closing-proxy").delayPolicy(holdThird));
        send(client, "first client", proxy.address());
        send(otherClient, "second client", proxy.address());
        send(client, "held", proxy.address());
        send(client, "marker", proxy.address());
        assertThat(List.of(receiveText(server), receiveText(server), receiveText(server)))
                .containsExactly("first client", "second client", "marker");
        assertThat(threadsNamed("closing-proxy")).as("listener, delay thread, one reader per client").hasSize(4);

        long start = System.nanoTime();
        proxy.close();
        proxy.close();
        long closeMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(closeMs).as("close() duration in ms").isLessThan(2_000);
        assertThat(proxy.isClosed()).isTrue();
        assertThat(proxy.whenClosed()).isCompleted();
        assertThat(threadsNamed("closing-proxy")).isEmpty();
        assertNothingArrives(server);
        assertThat(proxy.counters().forwardedToServer()).as("the held datagram was discarded").isEqualTo(3);
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith(prefix)).toList();
    }

    /** A long header packet of {@code version}: the type bits, 8-byte connection ids, an empty token for an Initial. */
    private static byte[] longPacket(int version, int typeBits, boolean initial, int payload) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0xc0 | (typeBits << 4));
        out.write(version >>> 24);
        out.write(version >>> 16);
        out.write(version >>> 8);
        out.write(version);
        out.write(8);
        out.writeBytes(new byte[8]);
        out.write(8);
        out.writeBytes(new byte[8]);
        if (initial) {
            out.write(0);  // token length 0
        }
        out.write(0x40 | (payload >>> 8));  // a 2-byte varint length
        out.write(payload & 0xff);
        out.writeBytes(new byte[payload]);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void theHandshakePrefixKeepsInitialAndHandshakePacketsAndCutsTheFirstOneRttPacket() {
        byte[] initial = longPacket(1, 0, true, 300);
        byte[] handshake = longPacket(1, 2, false, 200);
        byte[] shortHeader = new byte[120];
        shortHeader[0] = 0x40;
        byte[] zeroRtt = longPacket(1, 1, false, 50);

        assertThat(ImpairmentProxy.handshakePrefix(initial, initial.length)).isEqualTo(initial.length);
        byte[] coalesced = concat(initial, handshake, shortHeader);
        assertThat(ImpairmentProxy.handshakePrefix(coalesced, coalesced.length)).isEqualTo(initial.length + handshake.length);
        assertThat(ImpairmentProxy.handshakePrefix(shortHeader, shortHeader.length)).isZero();
        byte[] withZeroRtt = concat(initial, zeroRtt);
        assertThat(ImpairmentProxy.handshakePrefix(withZeroRtt, withZeroRtt.length)).isEqualTo(initial.length);
        // QUIC v2 numbers the types differently: 1 is Initial, 3 Handshake
        byte[] v2 = concat(longPacket(0x6b3343cf, 1, true, 100), longPacket(0x6b3343cf, 3, false, 100), shortHeader);
        assertThat(ImpairmentProxy.handshakePrefix(v2, v2.length)).isEqualTo(v2.length - shortHeader.length);
        // unknown versions and truncated packets are never cut
        byte[] unknown = concat(longPacket(0x1a2a3a4a, 0, true, 100), shortHeader);
        assertThat(ImpairmentProxy.handshakePrefix(unknown, unknown.length)).isEqualTo(unknown.length);
        assertThat(ImpairmentProxy.handshakePrefix(initial, 20)).isEqualTo(20);
    }
}
