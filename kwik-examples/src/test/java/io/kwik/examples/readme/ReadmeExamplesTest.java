package io.kwik.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * The README's examples: each Java block of README.md is in {@link ReadmeExamples}, which the
 * build compiles, and the examples work over real QUIC on loopback.
 */
@Timeout(180)
final class ReadmeExamplesTest {
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaBlockOfTheReadmeIsCompiledInReadmeExamples() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        // the methods return what a README block computes; the README leaves the return out
        List<String> source = normalized(Files.readString(
                Path.of("src/main/java/io/kwik/examples/readme/ReadmeExamples.java")))
                .stream().filter(line -> !line.startsWith("return ")).toList();
        Matcher blocks = JAVA_BLOCK.matcher(readme);
        int count = 0;
        while (blocks.find()) {
            List<String> block = normalized(blocks.group(1));
            assertThat(containsRun(source, block))
                    .as("README block not found (in this order) in ReadmeExamples.java:%n%s", blocks.group(1))
                    .isTrue();
            count++;
        }
        assertThat(count).as("Java blocks in README.md").isGreaterThanOrEqualTo(3);
    }

    @Test
    void theServerEchoesTheClient() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        try (KwikListener listener = ReadmeExamples.listen(0, certificate.chain(), certificate.privateKey())) {
            Thread.ofVirtual().start(() -> ReadmeExamples.serve(listener));
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    listener.localAddress().getPort());
            byte[] answer = ReadmeExamples.client(address, certificate.certificate());
            assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("hello");
        }
    }

    @Test
    void theSecondaryWritesTheTailOfThePrimarysStream() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        SecretKeySpec groupKey = new SecretKeySpec(Digests.payload(7, 32), "HmacSHA256");
        ServerConfig serverConfig = ServerConfig.builder()
                .certificateChain(certificate.chain())
                .privateKey(certificate.privateKey())
                .pathTokenKey(groupKey)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        // past the client's 1 MiB window, with the primary's FIN sent before the tail: the client
        // must keep opening the window up to the final size, or the secondary waits for it forever
        byte[] head = Digests.payload(1, 1 << 20);
        int tailLength = 3 << 20;
        byte[] whole = Arrays.copyOf(head, head.length + tailLength);
        System.arraycopy(Digests.payload(2, tailLength), 0, whole, head.length, tailLength);
        List<KwikSession> sessions = new ArrayList<>();
        // each party blocks, so each gets its own thread (the common pool may have one)
        try (ExecutorService parties = Executors.newVirtualThreadPerTaskExecutor();
             KwikListener primary = Kwik.listen(loopback, serverConfig);
             KwikListener secondary = Kwik.listen(loopback, serverConfig)) {
            Future<?> primarySide = parties.submit(() -> {
                ReadmeExamples.primary(primary, secondary.localAddress(), head, tailLength);
                return null;
            });
            Future<KwikSession> secondarySide = parties.submit(() ->
                    ReadmeExamples.secondary(secondary, range -> Arrays.copyOfRange(whole,
                            Math.toIntExact(range.offset()), Math.toIntExact(range.offset() + range.length()))));
            ClientConfig clientConfig = ClientConfig.builder()
                    .trustedCertificates(certificate.chain())
                    .handshakeTimeout(HANDSHAKE_TIMEOUT)
                    .build();
            byte[] received = ReadmeExamples.multiPathClient(primary.localAddress(), clientConfig);
            primarySide.get(120, TimeUnit.SECONDS);
            sessions.add(secondarySide.get(120, TimeUnit.SECONDS));
            assertThat(received.length).isEqualTo(whole.length);
            assertThat(Digests.sha256Hex(received)).isEqualTo(Digests.sha256Hex(whole));
        } finally {
            sessions.forEach(KwikSession::close);
        }
    }

    /** Lines without indentation, trailing blanks or empty lines. */
    private static List<String> normalized(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    private static boolean containsRun(List<String> haystack, List<String> needle) {
        if (needle.isEmpty()) return true;
        for (int i = 0; i + needle.size() <= haystack.size(); i++) {
            if (haystack.subList(i, i + needle.size()).equals(needle)) return true;
        }
        return false;
    }
}
