#!/usr/bin/env bash
# JMH microbenchmarks of the engine's codec and reassembly (docs/PERFORMANCE.md).
# usage: kwik-benchmarks/run-jmh.sh [JMH arguments]
#   kwik-benchmarks/run-jmh.sh -prof gc            the whole suite, with allocation per operation
#   kwik-benchmarks/run-jmh.sh DataPacket -p size=max
#   kwik-benchmarks/run-jmh.sh -l                  list the benchmarks
# Builds and installs the module and what it depends on (tests neither compiled nor run), then
# runs org.openjdk.jmh.Main on the class path with the JDK the Maven wrapper picks. The suite's
# defaults (one fork, 5 x 1 s warmup, 5 x 1 s measurement) are annotations on the benchmark
# classes; -f, -wi, -i and -r override them.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -Dmaven.test.skip=true install -pl kwik-benchmarks -am
java_home=$(./mvnw --print-java-home)
exec "$java_home/bin/java" -cp "kwik-benchmarks/target/classes:$(cat kwik-benchmarks/target/classpath.txt)" \
    org.openjdk.jmh.Main "$@"
