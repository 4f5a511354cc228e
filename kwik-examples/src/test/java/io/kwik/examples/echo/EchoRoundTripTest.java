package io.kwik.examples.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;
import io.kwik.tck.tools.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The echo server and client in this JVM, on the class path, over loopback. */
@Timeout(180)
final class EchoRoundTripTest {

    /** Generous: build machines are often busy, and the measure here is correctness. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    private static EchoServer server;
    private static ClientConfig clientConfig;

    @BeforeAll
    static void startServer() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        server = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ServerConfig.builder()
                .certificateChain(certificate.chain())
                .privateKey(certificate.privateKey())
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build());
        clientConfig = ClientConfig.builder()
                .trustedCertificates(certificate.chain())
                .serverName("localhost")
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) server.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1200, 65_536, 3 << 20})
    void echoesEveryByte(int size) throws Exception {
        byte[] payload = bytes(size, size);
        try (KwikSession session = Kwik.dial(server.localAddress(), clientConfig)) {
            assertThat(EchoClient.roundTrip(session, payload)).isEqualTo(payload);
        }
    }

    @Test
    void echoesConcurrentStreamsOfOneSession() throws Exception {
        try (KwikSession session = Kwik.dial(server.localAddress(), clientConfig);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<byte[]> payloads = new ArrayList<>();
            List<Future<byte[]>> echoes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] payload = bytes(200_000 + i, i);
                payloads.add(payload);
                echoes.add(clients.submit(() -> EchoClient.roundTrip(session, payload)));
            }
            for (int i = 0; i < payloads.size(); i++) {
                assertThat(echoes.get(i).get()).as("stream %d", i).isEqualTo(payloads.get(i));
            }
        }
    }

    private static byte[] bytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }
}
