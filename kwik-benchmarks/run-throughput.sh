#!/usr/bin/env bash
# KWIK against raw QUIC on one backend, side by side in one run (medians and the ratio).
# usage: kwik-benchmarks/run-throughput.sh [backends=kwik,netty] [MiB=64] [streams=1] [runs=5] [KWIK stream window bytes=1048576]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests install -pl kwik-benchmarks -am
./mvnw -B -q -pl kwik-benchmarks exec:exec -Dharness.args="${1:-kwik,netty} ${2:-64} ${3:-1} ${4:-5} ${5:-1048576}"
