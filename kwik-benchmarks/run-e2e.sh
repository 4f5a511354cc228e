#!/usr/bin/env bash
# End to end, separate JVMs (docs/PERFORMANCE.md): the client JVM starts a raw QUIC server and
# three KWIK servers per backend as JVMs of their own, on loopback, and prints medians and
# KWIK/raw ratios for bulk downloads, 3-server aggregation, 64 B echo round trips and dialing.
# usage: kwik-benchmarks/run-e2e.sh [--option=value ...]   (options: --help, or E2eHarness's javadoc)
#   kwik-benchmarks/run-e2e.sh                                 the full run: kwik,netty; 256 MiB; 5 runs
#   kwik-benchmarks/run-e2e.sh --backends=netty --mib=64 --runs=5 --modes=bulk,rtt
# SKIP_BUILD=1 uses the last build (kwik-benchmarks/target) instead of building the module and
# what it depends on first. Every server JVM is stopped when the harness ends; logs and thread
# dumps of stalls go to the directory it prints (--log-dir=... to choose it). E2E_CLIENT_JAVA_OPTS adds
# JVM options to the client (the harness) alone, e.g. a flight recording:
#   E2E_CLIENT_JAVA_OPTS=-XX:StartFlightRecording=settings=profile,filename=/tmp/client.jfr
set -euo pipefail
cd "$(dirname "$0")/.."
source kwik-benchmarks/e2e-classpath.sh
trap remove_classpath_copy EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'); nproc $(nproc); load average $(cut -d' ' -f1-3 /proc/loadavg); $("$java" -version 2>&1 | head -1)"
echo "# kwik-benchmarks/run-e2e.sh $*"
"$java" ${E2E_CLIENT_JAVA_OPTS:-} -da:tech.kwik... --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dtech.kwik.core.no-security-warnings=true -cp "$classpath" io.kwik.benchmarks.E2eHarness "$@"
