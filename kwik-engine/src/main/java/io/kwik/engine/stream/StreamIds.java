package io.kwik.engine.stream;

/**
 * The logical stream id scheme, which keeps ids from colliding between the client and the
 * servers and between two servers:
 *
 * <pre>
 *   id = sequence &lt;&lt; 9 | pathNumber &lt;&lt; 1 | initiator
 * </pre>
 *
 * <ul>
 *   <li>{@code initiator}: 0 for the client, 1 for a server;</li>
 *   <li>{@code pathNumber} (8 bits): for a server, the number of its path ({@code "p3"} is 3);
 *       0 for the client;</li>
 *   <li>{@code sequence}: counts, from 0, the streams that initiator opened in the session.</li>
 * </ul>
 */
public final class StreamIds {
    private StreamIds() {}

    /** Largest path number an id can carry. */
    public static final int MAX_PATH_NUMBER = 0xFF;

    public static long of(long sequence, boolean serverInitiated, int pathNumber) {
        if (pathNumber < 0 || pathNumber > MAX_PATH_NUMBER) throw new IllegalArgumentException("path number " + pathNumber);
        return sequence << 9 | (long) pathNumber << 1 | (serverInitiated ? 1 : 0);
    }

    public static boolean isServerInitiated(long id) {
        return (id & 1) == 1;
    }

    public static int pathNumber(long id) {
        return (int) (id >>> 1 & MAX_PATH_NUMBER);
    }

    public static long sequence(long id) {
        return id >>> 9;
    }
}
