#!/usr/bin/env bash
# A small load and soak run in one JVM (SoakHarness): one server, N sessions x M streams, each
# stream an echo of a random request checked by SHA-256, for T seconds; prints the requests
# completed and failed, the JVM's live threads and its heap every few seconds, and once more
# after everything closed and a GC.
# usage: kwik-benchmarks/run-soak.sh [backend=kwik] [sessions=20] [streams=4] [seconds=60] [requestBytes=65536] [sampleSeconds=5]
#
# With --server-jvm first, the server runs in its own JVM (SeparateServerSoak): session slots
# that each dial, echo on their streams at once, close and dial again; it prints sessions per
# second, stream time percentiles, and the server's live threads, heap after GC, open file
# descriptors and open sessions before, during and after.
# usage: kwik-benchmarks/run-soak.sh --server-jvm [backend=netty] [sessions=200] [streams=8] [seconds=600] [requestBytes=1048576] [sampleSeconds=30]
# SKIP_BUILD=1 uses the last build (kwik-benchmarks/target). Extra JVM options: SOAK_JAVA_OPTS (e.g. -Xmx512m).
set -euo pipefail
cd "$(dirname "$0")/.."
source kwik-benchmarks/e2e-classpath.sh
trap remove_classpath_copy EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'); nproc $(nproc); load average $(cut -d' ' -f1-3 /proc/loadavg); $("$java" -version 2>&1 | head -1)"
echo "# kwik-benchmarks/run-soak.sh $*"
main=io.kwik.benchmarks.SoakHarness
if [[ "${1:-}" == --server-jvm ]]; then
    shift
    main=io.kwik.benchmarks.SeparateServerSoak
fi
# shellcheck disable=SC2086
"$java" -da:tech.kwik... --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dtech.kwik.core.no-security-warnings=true ${SOAK_JAVA_OPTS:-} -cp "$classpath" "$main" "$@"
