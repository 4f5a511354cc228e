#!/usr/bin/env bash
# The README's demo command: builds the kwik distribution (kwik-cli/target/kwik-VERSION/), then
# runs its `bin/kwik demo`: a primary and two secondaries in one JVM on loopback, with a
# throw-away certificate and a generated 256 MiB file, which the client downloads from all three
# at once, checks by SHA-256 and sums up in a per-path table.
# Arguments go to `kwik demo`, e.g. --kill-one (stop a secondary midway), --size 64MiB,
# --servers 4, --transport kwik. KWIK_SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${KWIK_SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -pl kwik-cli -am package -DskipTests
fi
# bin/kwik takes Java from JAVA_HOME or PATH; the JDK the build used is new enough
export JAVA_HOME="${JAVA_HOME:-$(./mvnw --print-java-home)}"
kwik=(kwik-cli/target/kwik-*/bin/kwik)
exec "${kwik[0]}" demo "$@"
