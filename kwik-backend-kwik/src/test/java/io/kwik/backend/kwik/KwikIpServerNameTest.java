package io.kwik.backend.kwik;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.ServerIdentity;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.transport.TransportFixture;

/**
 * An IP-literal server name is verified against the certificate's iPAddress subject
 * alternative names (the fixture's certificate has DNS {@code localhost} and IP
 * {@code 127.0.0.1} and {@code ::1}).
 */
final class KwikIpServerNameTest {

    private static final Duration STEP = Duration.ofSeconds(10);
    private static final TransportLimits LIMITS = TransportLimits.DEFAULTS.withIdleTimeout(STEP);

    private final TransportFixture fixture = TransportFixture.create(new KwikTransportProvider());

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void ipLiteralMatchingAnIpSanIsAccepted() throws Exception {
        QuicServer server = fixture.server(LIMITS, null);
        QuicConnection connection = fixture.connect(server.localAddress(), config("127.0.0.1"), STEP);
        assertThat(connection.closed()).isNotDone();
    }

    @Test
    void ipLiteralWithoutMatchingIpSanIsRefused() throws Exception {
        QuicServer server = fixture.server(LIMITS, null);
        Throwable failure = catchThrowable(() -> fixture.connect(server.localAddress(), config("127.0.0.2"), STEP));
        assertThat(failure).isNotNull();
    }

    @Test
    void ipLiteralsAreRecognisedWithoutResolvingNames() {
        assertThat(ServerIdentity.ipLiteral("127.0.0.1")).isNotNull();
        assertThat(ServerIdentity.ipLiteral("::1")).isNotNull();
        assertThat(ServerIdentity.ipLiteral("[::1]")).isNotNull();
        assertThat(ServerIdentity.ipLiteral("localhost")).isNull();
        assertThat(ServerIdentity.ipLiteral("1.2.3.example")).isNull();
    }

    private ClientTransportConfig config(String serverName) {
        return new ClientTransportConfig(TransportFixture.ALPN, serverName,
                List.of(TransportFixture.certificate().certificate()), false, LIMITS);
    }
}
