package io.kwik.benchmarks;

import java.io.IOException;
import java.util.List;

/**
 * CPU and allocation of every JVM of a run at one moment: the client (this JVM), then the
 * servers together.
 */
record Usage(long clientCpuNanos, long clientAllocated, long serversCpuNanos, long serversAllocated) {

    /** Asks this JVM and every one of {@code servers}. */
    static Usage now(List<ServerJvm> servers) throws IOException, InterruptedException {
        String[] client = E2eSupport.usage().split(" ");
        long cpu = 0;
        long allocated = 0;
        for (ServerJvm server : servers) {
            long[] usage = server.usage();
            cpu += usage[0];
            allocated += usage[1];
        }
        return new Usage(Long.parseLong(client[0]), Long.parseLong(client[1]), cpu, allocated);
    }
}
