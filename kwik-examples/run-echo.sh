#!/usr/bin/env bash
# The README's example command: builds, makes a throw-away certificate for localhost, starts
# the echo server on a free loopback port, echoes a message and 1 MB through it over KWIK,
# and stops the server. Everything runs on a pure module path.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl kwik-examples -am package -DskipTests
JAVA="$(./mvnw --print-java-home)/bin/java"
MP="kwik-examples/target/classes:$(cat kwik-examples/target/runtime-module-path.txt)"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
# kwik 0.10.8 asserts on a loopback RTT of 0 ms; see kwik-backend-kwik/README.md
"$JAVA" -da:tech.kwik... --module-path "$MP" -m io.kwik.examples/io.kwik.examples.echo.EchoServer \
  --cert "$work/cert.pem" --key "$work/key.pem" --port 0 > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do
  port=$(sed -n 's/^echo server listening on .*:\([0-9]*\)$/\1/p' "$work/server.log")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the echo server did not start"; cat "$work/server.log"; exit 1; }
echo "echo server on localhost:$port"
"$JAVA" -da:tech.kwik... --module-path "$MP" -m io.kwik.examples/io.kwik.examples.echo.EchoClient \
  localhost "$port" --trust "$work/cert.pem" "hello, kwik"
"$JAVA" -da:tech.kwik... --module-path "$MP" -m io.kwik.examples/io.kwik.examples.echo.EchoClient \
  localhost "$port" --trust "$work/cert.pem" --size 1000000
