package io.kwik.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback UDP relay between QUIC clients and one server that records every datagram it
 * forwards (time, direction, size, and the QUIC packets coalesced in it), per client address.
 * Nothing is dropped, delayed or changed.
 */
final class UdpTraceRelay implements AutoCloseable {

    private final InetSocketAddress server;
    private final DatagramChannel front;
    private final Map<SocketAddress, DatagramChannel> backs = new ConcurrentHashMap<>();
    private final Map<SocketAddress, List<String>> traces = new ConcurrentHashMap<>();
    private final long origin = System.nanoTime();
    private volatile boolean closed;

    UdpTraceRelay(InetSocketAddress server) throws IOException {
        this.server = server;
        this.front = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("relay-front").start(this::frontLoop);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** Each client address with the datagrams exchanged for it. */
    Map<SocketAddress, List<String>> traces() {
        return traces;
    }

    void clear() {
        traces.clear();
    }

    private void frontLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        while (!closed) {
            try {
                buffer.clear();
                SocketAddress client = front.receive(buffer);
                buffer.flip();
                record(client, "C->S", buffer);
                DatagramChannel back = backs.computeIfAbsent(client, this::openBack);
                back.send(buffer, server);
            } catch (IOException e) {
                if (!closed) System.out.println("RELAY front: " + e);
            }
        }
    }

    private DatagramChannel openBack(SocketAddress client) {
        try {
            DatagramChannel back = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofPlatform().daemon().name("relay-back").start(() -> backLoop(client, back));
            return back;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void backLoop(SocketAddress client, DatagramChannel back) {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        while (!closed && back.isOpen()) {
            try {
                buffer.clear();
                back.receive(buffer);
                buffer.flip();
                record(client, "S->C", buffer);
                front.send(buffer, client);
            } catch (IOException e) {
                if (!closed) System.out.println("RELAY back: " + e);
                return;
            }
        }
    }

    private void record(SocketAddress client, String direction, ByteBuffer datagram) {
        String line = String.format("%8.3f ms %s %5d B %s", (System.nanoTime() - origin) / 1e6, direction,
                datagram.remaining(), describe(datagram.duplicate()));
        traces.computeIfAbsent(client, c -> Collections.synchronizedList(new ArrayList<>())).add(line);
    }

    /** The QUIC packets of one datagram: long-header type, version, connection id lengths, packet length. */
    static String describe(ByteBuffer d) {
        StringBuilder out = new StringBuilder();
        while (d.hasRemaining()) {
            int start = d.position();
            int first = d.get() & 0xff;
            if ((first & 0x80) == 0) {
                out.append("[1-RTT ").append(d.limit() - start).append("]");
                break;
            }
            if (d.remaining() < 5) {
                out.append("[garbage]");
                break;
            }
            int version = d.getInt();
            if (version == 0) {
                out.append("[VersionNegotiation ").append(d.limit() - start).append("]");
                break;
            }
            int dcil = d.get() & 0xff;
            d.position(d.position() + dcil);
            int scil = d.get() & 0xff;
            d.position(d.position() + scil);
            int type = (first & 0x30) >> 4;
            String name = switch (type) {
                case 0 -> "Initial";
                case 1 -> "0-RTT";
                case 2 -> "Handshake";
                default -> "Retry";
            };
            if (type == 3) {
                out.append("[Retry ").append(d.limit() - start).append("]");
                break;
            }
            long tokenLength = 0;
            if (type == 0) {
                tokenLength = varint(d);
                d.position(d.position() + (int) tokenLength);
            }
            long length = varint(d);
            int end = (int) Math.min(d.limit(), d.position() + length);
            out.append("[").append(name).append(" v=").append(Integer.toHexString(version))
                    .append(" dcid=").append(dcil).append(" scid=").append(scil);
            if (type == 0) out.append(" token=").append(tokenLength);
            out.append(" ").append(end - start).append("]");
            d.position(end);
        }
        return out.toString();
    }

    private static long varint(ByteBuffer d) {
        int first = d.get() & 0xff;
        int prefix = first >> 6;
        long value = first & 0x3f;
        for (int i = 1; i < (1 << prefix); i++) value = (value << 8) | (d.get() & 0xff);
        return value;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        for (DatagramChannel back : backs.values()) back.close();
    }
}
