package io.kwik.backend.kwik;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Function;

import io.kwik.spi.HandshakeObserver;
import tech.kwik.core.log.Logger;
import tech.kwik.core.log.NullQLog;

/**
 * A kwik {@link Logger} that forwards kwik's errors to {@link System.Logger} and watches
 * received packets for the two frames whose application error code kwik 0.10.8 does not
 * expose through its API: RESET_STREAM and STOP_SENDING.
 *
 * <p>kwik parses a packet, hands it to {@code Logger.received(Instant, int, QuicPacket)} and
 * only then processes its frames, on the same thread. The packet type lives in a package
 * kwik does not export, so the logger is a {@link Proxy} that only calls {@code toString()}
 * on it (a public {@code Object} method); the frames print as {@code ResetStreamFrame[id|code|size]}
 * and {@code StopSendingFrame[id:code]}. That is the only public source of those codes, so a
 * packet is formatted only when the connection that receives it is known and still open;
 * nothing else is formatted unless its level is enabled.
 *
 * Sent packets are never formatted, except for the packet trace below.
 *
 * <p>Packet trace, for diagnosing a connection: when {@code System.Logger}
 * {@code io.kwik.backend.kwik.packets} is on at TRACE, every packet sent and received is
 * logged there with its frames (kwik's {@code toString()}), prefixed with the label, the
 * direction and the monotonic time in microseconds. Off, it costs one level check per packet.
 *
 * <p>kwik's server logs {@code "Removed connection with dcid … that is not closed."} as an
 * error after every normal close (a race inside kwik, see {@link #NOT_CLOSED_PREFIX}); it goes
 * to DEBUG. Every other kwik error stays at WARNING.
 *
 * <p>kwik's recovery and congestion-control messages go to {@code System.Logger}
 * {@code io.kwik.backend.kwik.library} at TRACE, and are built only when that level is on.
 */
final class KwikLogBridge implements InvocationHandler {

    /** One connection as the bridge sees it: receives the frame codes. */
    interface FrameSink {
        /**
         * Whether received packets must be inspected: the connection is open. (Not "has streams":
         * kwik announces a peer's stream on its callback thread, possibly after the packet that
         * resets it was already logged on the receiver thread.)
         */
        boolean wantsFrameCodes();

        /**
         * kwik received and parsed a packet of this connection (for {@link IdleBackstop});
         * {@code controlOnly} when it is known to carry nothing but ACK, PING and PADDING frames.
         */
        void packetReceived(boolean controlOnly);

        void resetReceived(long streamId, long errorCode);

        void stopSendingReceived(long streamId, long errorCode);
    }

    private static final System.Logger LOG = System.getLogger("io.kwik.backend.kwik.library");
    private static final System.Logger PACKETS = System.getLogger("io.kwik.backend.kwik.packets");
    private static final String RESET = "ResetStreamFrame[";
    private static final String STOP = "StopSendingFrame[";
    /**
     * kwik's server registry logs this through {@code error} after every normal close: the
     * sender thread runs the close callback before the terminating thread marks the connection
     * closed ({@code QuicConnectionImpl.terminate()} calls {@code sender.shutdown(hook)} and only
     * then sets {@code Status.Closed}), so the check races and is harmless.
     */
    private static final String NOT_CLOSED_PREFIX = "Removed connection with dcid ";
    private static final String NOT_CLOSED_SUFFIX = " that is not closed.";

    private final String label;
    private final Function<Thread, FrameSink> sinkForThread;
    private final HandshakeObserver packets;
    private final NullQLog qlog = new NullQLog();

    private KwikLogBridge(String label, Function<Thread, FrameSink> sinkForThread, HandshakeObserver packets) {
        this.label = label;
        this.sinkForThread = sinkForThread;
        this.packets = packets;
    }

    /**
     * A logger whose frame codes go to the sink that {@code sinkForThread} returns for the
     * thread that processes the packet (kwik processes each connection's packets on one thread).
     */
    static Logger create(String label, Function<Thread, FrameSink> sinkForThread) {
        return create(label, sinkForThread, HandshakeObserver.NONE);
    }

    /**
     * As {@link #create(String, Function)}, also telling {@code packets} of every received
     * packet, before it is processed (a client's handshake progress, for {@code DialRace}).
     */
    static Logger create(String label, Function<Thread, FrameSink> sinkForThread, HandshakeObserver packets) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                new KwikLogBridge(label, sinkForThread, packets));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        String name = method.getName();
        switch (name) {
            case "received" -> {
                if (args != null && args.length == 3) {
                    trace("<-", args[2]);
                    packets.packetReceived();
                    received(args[2]);
                }
                return null;
            }
            case "sent" -> {
                if (args != null && args.length == 2) {
                    trace("->", args[1]);
                }
                return null;
            }
            case "error" -> {
                if (args != null && args.length == 2 && args[1] instanceof Throwable error) {
                    LOG.log(System.Logger.Level.WARNING, () -> label + ": " + args[0], error);
                } else if (args != null && args.length >= 1) {
                    LOG.log(errorLevel(args[0]), () -> label + ": " + args[0]);
                }
                return null;
            }
            case "warn" -> {
                if (args != null && args.length == 1) {
                    LOG.log(System.Logger.Level.DEBUG, () -> label + ": " + args[0]);
                }
                return null;
            }
            case "getQLog" -> {
                return qlog;
            }
            case "logRecovery", "logFlowControl" -> {
                return LOG.isLoggable(System.Logger.Level.TRACE);
            }
            case "recovery", "cc", "info", "stats" -> {
                if (args != null && args.length >= 1 && LOG.isLoggable(System.Logger.Level.TRACE)) {
                    LOG.log(System.Logger.Level.TRACE, label + " " + name + ": " + args[0]
                            + (args.length > 1 ? " " + args[1] : ""));
                }
                return null;
            }
            case "toString" -> {
                return "KwikLogBridge[" + label + "]";
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return args != null && args.length == 1 && proxy == args[0];
            }
            default -> {
                return null;
            }
        }
    }

    private void trace(String direction, Object packetOrPackets) {
        if (PACKETS.isLoggable(System.Logger.Level.TRACE)) {
            PACKETS.log(System.Logger.Level.TRACE, label + " " + direction + " " + System.nanoTime() / 1000 + " "
                    + Thread.currentThread().getName() + " " + packetOrPackets);
        }
    }

    private static System.Logger.Level errorLevel(Object message) {
        return message instanceof String text && text.startsWith(NOT_CLOSED_PREFIX) && text.endsWith(NOT_CLOSED_SUFFIX)
                ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
    }

    /**
     * Formats a received packet only for a connection that may still need a frame code; the
     * text is the only public source of RESET_STREAM and STOP_SENDING codes in kwik 0.10.8.
     */
    private void received(Object packetObject) {
        FrameSink sink = sinkForThread.apply(Thread.currentThread());
        if (sink == null) {
            return;
        }
        if (!sink.wantsFrameCodes()) {
            sink.packetReceived(false);
            return;
        }
        String packet = String.valueOf(packetObject);
        sink.packetReceived(controlOnly(packet));
        int reset = packet.indexOf(RESET);
        int stop = packet.indexOf(STOP);
        if (reset < 0 && stop < 0) {
            return;
        }
        for (int at = reset; at >= 0; at = packet.indexOf(RESET, at + 1)) {
            long[] values = parse(packet, at + RESET.length(), '|');
            if (values != null) {
                sink.resetReceived(values[0], values[1]);
            }
        }
        for (int at = stop; at >= 0; at = packet.indexOf(STOP, at + 1)) {
            long[] values = parse(packet, at + STOP.length(), ':');
            if (values != null) {
                sink.stopSendingReceived(values[0], values[1]);
            }
        }
    }

    /**
     * Whether kwik's text of a 1-RTT packet ({@code "Packet A|pn|S0|dcid|size|frames  frame frame"})
     * shows only ACK, PING and PADDING frames: the packets two idle kwik 0.10.8 endpoints keep
     * exchanging (see {@link IdleBackstop}). Anything it cannot read counts as not control-only.
     */
    static boolean controlOnly(String packet) {
        if (!packet.startsWith("Packet A|") && !packet.startsWith("Packet PA|")) {
            return false;
        }
        int framesAt = packet.indexOf("  ");
        if (framesAt < 0) {
            return false;
        }
        int countAt = packet.lastIndexOf('|', framesAt);
        int frames;
        try {
            frames = Integer.parseInt(packet, countAt + 1, framesAt, 10);
        } catch (NumberFormatException e) {
            return false;
        }
        int control = count(packet, framesAt, "AckFrame[") + count(packet, framesAt, "PingFrame[")
                + count(packet, framesAt, "Padding(");
        return frames > 0 && control == frames;
    }

    private static int count(String text, int from, String what) {
        int count = 0;
        for (int at = text.indexOf(what, from); at >= 0; at = text.indexOf(what, at + what.length())) {
            count++;
        }
        return count;
    }

    private static long[] parse(String text, int from, char separator) {
        int sep = text.indexOf(separator, from);
        if (sep < 0) {
            return null;
        }
        int end = sep + 1;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        try {
            return new long[] {Long.parseLong(text, from, sep, 10), Long.parseUnsignedLong(text, sep + 1, end, 10)};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
