package io.kwik.engine.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class MessageSenderTest {

    /** Takes the first write, then blocks every write until released: a stream that stopped draining. */
    private static final class StuckStream extends OutputStream {
        final CountDownLatch firstWrite = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            firstWrite.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            written.write(b, off, len);
        }
    }

    @Test
    void offerNeverWaitsAndRefusesWhenTheQueueIsFull() throws Exception {
        StuckStream out = new StuckStream();
        MessageSender sender = new MessageSender("test-sender", out, 2, Thread.ofVirtual().factory(), e -> {});
        assertThat(sender.offer(new byte[] {1})).as("taken by the writer, which then blocks").isTrue();
        assertThat(out.firstWrite.await(10, TimeUnit.SECONDS)).as("the writer is stuck in its first write").isTrue();
        assertThat(sender.offer(new byte[] {2})).isTrue();
        assertThat(sender.offer(new byte[] {3})).isTrue();
        long start = System.nanoTime();
        assertThat(sender.offer(new byte[] {4})).as("a full queue refuses").isFalse();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("seconds the refusal took").isZero();
        sender.abort();
        assertThat(sender.offer(new byte[] {5})).as("an aborted sender refuses").isFalse();
        out.release.countDown();
    }

    /** Records which thread wrote and flushed. */
    private static final class RecordingStream extends OutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        volatile Thread writer;
        volatile Thread flusher;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writer = Thread.currentThread();
            written.write(b, off, len);
        }

        @Override
        public void flush() {
            flusher = Thread.currentThread();
        }
    }

    @Test
    void aMessageSentThroughWhenIdleIsWrittenAndFlushedOnTheCallersThread() throws Exception {
        RecordingStream out = new RecordingStream();
        MessageSender sender = new MessageSender("test-sender", out, 4, Thread.ofVirtual().factory(), e -> {});
        sender.sendThroughWhenIdle(new byte[] {1, 2, 3});
        assertThat(out.written.toByteArray()).as("written before the call returned").containsExactly(1, 2, 3);
        assertThat(out.writer).isSameAs(Thread.currentThread());
        assertThat(out.flusher).as("flushed by the caller too").isSameAs(Thread.currentThread());
        sender.abort();
    }

    @Test
    void aMessageSentThroughWhileTheWriterIsBusyIsQueuedBehindWhatWasQueuedFirst() throws Exception {
        StuckStream out = new StuckStream();
        MessageSender sender = new MessageSender("test-sender", out, 4, Thread.ofVirtual().factory(), e -> {});
        sender.send(new byte[] {1});
        assertThat(out.firstWrite.await(10, TimeUnit.SECONDS)).as("the writer is stuck in its first write").isTrue();
        sender.send(new byte[] {2});
        // the writer holds the stream: this one must queue (and return) rather than write or wait
        sender.sendThroughWhenIdle(new byte[] {3});
        out.release.countDown();
        sender.finish();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (out.written.size() < 3 && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(out.written.toByteArray()).as("in the order sent").containsExactly(1, 2, 3);
    }
}
