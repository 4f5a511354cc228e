package io.kwik.cli;

/**
 * What one {@code kwik serve} process does at most at once, so that a misbehaving client or
 * primary cannot run it out of memory or threads. Past each bound the peer gets a clear answer:
 * a request {@code ERR busy}, a check {@code NONE <id> busy}, a primary that queues too many
 * delegations the session closed with {@link io.kwik.api.ErrorCode#FLOW_CONTROL}.
 *
 * <p>The rest is bounded by the KWIK configuration: concurrent streams per session
 * ({@link io.kwik.api.KwikConfig#maxConcurrentStreams()}, so requests read at once), sessions
 * ({@link io.kwik.api.ServerConfig#maxConnections()}) and relayed messages a session holds
 * ({@link io.kwik.api.ServerConfig#rawInboxBytes()}).
 *
 * @param transfers             downloads the server sends at once, over all sessions; a transfer
 *                              holds the request's file hashing and its send buffers
 * @param transfersPerSession   downloads one session has at once, so that one client cannot take
 *                              every slot
 * @param checks                secondary checks ({@code CHECK}) answered at once, over all sessions
 *                              (answering may hash a file)
 * @param checksPerSession       checks one session may have waiting or running
 * @param delegationsQueued     delegations one secondary session holds before it writes them
 * @param delegationBytesQueued bytes of those delegations' instructions
 */
record ServeLimits(int transfers, int transfersPerSession, int checks, int checksPerSession,
                   int delegationsQueued, long delegationBytesQueued) {

    /** Default {@link #transfers()}. */
    static final int DEFAULT_TRANSFERS = 64;
    /** Default {@link #transfersPerSession()}. */
    static final int DEFAULT_TRANSFERS_PER_SESSION = 4;
    /** Default {@link #checks()}: about the cores of a small server, as a check may hash a file. */
    static final int DEFAULT_CHECKS = 4;
    /** Default {@link #checksPerSession()}. */
    static final int DEFAULT_CHECKS_PER_SESSION = 16;
    /**
     * Default {@link #delegationsQueued()}: an honest primary of this tool keeps at most
     * {@link #MAX_PLAN_WINDOW} / 256 KiB = 256 ranges outstanding per download and
     * {@link #DEFAULT_TRANSFERS_PER_SESSION} downloads per session, so 1,024; four times that.
     */
    static final int DEFAULT_DELEGATIONS_QUEUED = 4096;
    /** Default {@link #delegationBytesQueued()}: 4 MiB, the engine's own raw inbox. */
    static final long DEFAULT_DELEGATION_BYTES_QUEUED = 4L << 20;

    /**
     * The most a primary plans outstanding for one download, whatever window the request
     * announces: 64 MiB. Bounds the refill buffers a download may hold.
     */
    static final long MAX_PLAN_WINDOW = 64L << 20;
    /**
     * The buffer a secondary reads a delegated range through, whatever the range's length: 256 KiB,
     * reused for every range of the session.
     */
    static final int WRITE_STEP = 256 << 10;

    /** Every default. */
    static final ServeLimits DEFAULTS = new ServeLimits(DEFAULT_TRANSFERS, DEFAULT_TRANSFERS_PER_SESSION, DEFAULT_CHECKS,
            DEFAULT_CHECKS_PER_SESSION, DEFAULT_DELEGATIONS_QUEUED, DEFAULT_DELEGATION_BYTES_QUEUED);

    ServeLimits {
        if (transfers < 1 || transfersPerSession < 1 || checks < 1 || checksPerSession < 1
                || delegationsQueued < 1 || delegationBytesQueued < 1) {
            throw new IllegalArgumentException("every server limit must be at least 1");
        }
    }
}
