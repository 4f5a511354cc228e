package io.kwik.examples.migrating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikSubscription;
import io.kwik.api.SessionClose;
import io.kwik.api.StreamResetException;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * docs/MIGRATING.md's KWIK blocks: each is in {@link MigratingExamples}, which the build
 * compiles, and each works over real QUIC on loopback, checked by size and SHA-256 where bytes
 * move.
 */
@Timeout(180)
final class MigratingExamplesTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String MARKER = "// KWIK";
    private static final long WAIT_SECONDS = 60;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService parties = Executors.newVirtualThreadPerTaskExecutor();
    private SelfSignedCertificate certificate;
    private KwikListener listener;

    @BeforeEach
    void listen() throws IOException {
        certificate = SelfSignedCertificate.generate();
        listener = MigratingExamples.listen(certificate.chain(), certificate.privateKey());
        resources.add(listener);
    }

    @AfterEach
    void closeEverything() throws Exception {
        parties.shutdownNow();
        for (AutoCloseable resource : resources.reversed()) resource.close();
    }

    @Test
    void everyKwikBlockOfTheGuideIsCompiledInMigratingExamples() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "MIGRATING.md"));
        List<String> source = normalized(Files.readString(
                Path.of("src/main/java/io/kwik/examples/migrating/MigratingExamples.java")))
                .stream().filter(line -> !line.startsWith("return ")).toList();
        Matcher blocks = JAVA_BLOCK.matcher(guide);
        int kwikBlocks = 0;
        while (blocks.find()) {
            List<String> block = normalized(blocks.group(1));
            if (block.isEmpty() || !block.get(0).equals(MARKER)) continue;
            List<String> code = block.subList(1, block.size());
            assertThat(containsRun(source, code))
                    .as("MIGRATING.md block not found (in this order) in MigratingExamples.java:%n%s", blocks.group(1))
                    .isTrue();
            kwikBlocks++;
        }
        assertThat(kwikBlocks).as("KWIK blocks in MIGRATING.md").isGreaterThanOrEqualTo(6);
    }

    @Test
    void aRequestComesBackWhole() throws Exception {
        Future<?> server = parties.submit(() -> {
            MigratingExamples.serve(listener);
            return null;
        });
        KwikSession session = dial();
        byte[] payload = Digests.payload(1, 3 << 20);
        byte[] answer = MigratingExamples.request(session, payload);
        assertThat(answer).as("the echo").hasSize(payload.length);
        assertThat(Digests.sha256Hex(answer)).isEqualTo(Digests.sha256Hex(payload));
        session.close();
        assertThatThrownBy(() -> server.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("serve() once the session ended")
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void abandonResetsBothDirectionsAndStopReadingOnlyTheInput() throws Exception {
        Future<KwikSession> accepted = parties.submit(listener::accept);
        KwikSession client = dial();
        KwikSession server = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS);

        KwikStream abandoned = client.openStreamSync();
        abandoned.outputStream().write(Digests.payload(2, 1000));
        abandoned.outputStream().flush();
        KwikStream abandonedAtServer = server.acceptStream();
        assertThat(abandonedAtServer.inputStream().readNBytes(1000)).hasSize(1000);
        MigratingExamples.abandon(abandonedAtServer);
        assertThatThrownBy(() -> abandoned.inputStream().read()).as("the client's read after the server's reset")
                .isInstanceOfSatisfying(StreamResetException.class, e -> {
                    assertThat(e.applicationErrorCode()).isEqualTo(42);
                    assertThat(e.byPeer()).isTrue();
                });

        KwikStream stopped = client.openStreamSync();
        byte[] chunk = Digests.payload(3, 64 * 1024);
        Future<Void> writer = parties.submit(() -> {
            while (true) {
                stopped.outputStream().write(chunk);
                stopped.outputStream().flush();
            }
        });
        KwikStream stoppedAtServer = server.acceptStream();
        assertThat(stoppedAtServer.inputStream().readNBytes(chunk.length)).isEqualTo(chunk);
        MigratingExamples.stopReading(stoppedAtServer);
        assertThatThrownBy(() -> writer.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("the client's writes after STOP_SENDING")
                .hasCauseInstanceOf(StreamResetException.class);
        byte[] answer = Digests.payload(4, 300_000);
        Future<Void> answering = parties.submit(() -> {
            try (OutputStream out = stoppedAtServer.outputStream()) {
                out.write(answer);
            }
            return null;
        });
        byte[] received = stopped.inputStream().readAllBytes();
        answering.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(received).as("the server's direction after it stopped reading").hasSize(answer.length);
        assertThat(Digests.sha256Hex(received)).isEqualTo(Digests.sha256Hex(answer));
    }

    @Test
    void aSessionEndsWithTheCodeAndReasonTheOtherEndGave() throws Exception {
        Future<KwikSession> accepted = parties.submit(listener::accept);
        KwikSession client = dial();
        KwikSession server = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS);
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        List<KwikSubscription> subscriptions = MigratingExamples.listenToEvents(listener, client, log::add);
        resources.addAll(subscriptions);

        MigratingExamples.giveUp(server);

        SessionClose seen = CompletableFuture.supplyAsync(() -> MigratingExamples.whyEnded(client), parties)
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(seen.origin()).isEqualTo(SessionClose.Origin.PEER);
        assertThat(seen.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(seen.reason()).isEqualTo("disk full");
        assertThat(firstSessionEnd(log)).as("the closed() callback").isEqualTo("session ended: PEER INTERNAL disk full");
    }

    /** The first "session ended" line of the log; path events may come before it. */
    private static String firstSessionEnd(BlockingQueue<String> log) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        for (String line; (line = log.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
            if (line.startsWith("session ended:")) return line;
        }
        return "nothing within " + WAIT_SECONDS + " s";
    }

    private KwikSession dial() throws IOException {
        KwikSession session = MigratingExamples.dial(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.localAddress().getPort()),
                certificate.certificate());
        resources.add(session);
        return session;
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
