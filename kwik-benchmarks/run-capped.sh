#!/usr/bin/env bash
# Three rate-capped servers (docs/PROTOCOL.md 8): aggregate goodput against the sum of the caps.
# Needs root. Creates one network namespace per server and one for the client, joined by veth
# pairs with private addresses (client 10.77.<i>.1, server i 10.77.<i>.2, i = 0 primary, 1 and 2
# the secondaries), caps each server's egress with tc tbf, and runs the end-to-end harness
# (E2eHarness) in the client's namespace, which starts every server JVM in its own namespace
# (ip netns exec). Removes the namespaces, and whatever still runs in them, on exit.
# usage: kwik-benchmarks/run-capped.sh [--option=value ...]
#   defaults: --backends=netty --mib=64 --runs=5 --modes=bulk,multi; options given here win.
#   RATE_MBIT=80 sets the cap (and the harness's --cap-mbit); SKIP_BUILD=1 uses the last build.
#   e.g. RATE_MBIT=40 kwik-benchmarks/run-capped.sh --modes=bulk1,multi --runs=3 --trace-paths=true
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "run-capped.sh needs root (network namespaces, tc)" >&2; exit 1; }
rate=${RATE_MBIT:-80}
source kwik-benchmarks/e2e-classpath.sh

prefix="kwikb$$"
client="${prefix}c"
servers=("${prefix}s0" "${prefix}s1" "${prefix}s2")

cleanup() {
    set +e
    remove_classpath_copy
    for ns in "$client" "${servers[@]}"; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null; done
            sleep 0.5
            for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
            ip netns delete "$ns"
        fi
    done
}
trap cleanup EXIT INT TERM

ip netns add "$client"
ip -n "$client" link set lo up
for i in 0 1 2; do
    ns=${servers[$i]}
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "c$i" netns "$client" type veth peer name "s$i" netns "$ns"
    ip -n "$client" addr add "10.77.$i.1/24" dev "c$i"
    ip -n "$ns" addr add "10.77.$i.2/24" dev "s$i"
    ip -n "$client" link set "c$i" up
    ip -n "$ns" link set "s$i" up
    # the cap: server i's egress, i.e. everything it sends the client
    ip netns exec "$ns" tc qdisc add dev "s$i" root tbf rate "${rate}mbit" burst 32kbit latency 50ms
done

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'); nproc $(nproc); load average $(cut -d' ' -f1-3 /proc/loadavg); $("$java" -version 2>&1 | head -1)"
echo "# kwik-benchmarks/run-capped.sh $*  (tbf rate ${rate}mbit burst 32kbit latency 50ms on each server's veth)"
status=0
ip netns exec "$client" "$java" -da:tech.kwik... --enable-native-access=ALL-UNNAMED \
    --sun-misc-unsafe-memory-access=allow -Dtech.kwik.core.no-security-warnings=true -cp "$classpath" \
    io.kwik.benchmarks.E2eHarness --backends=netty --mib=64 --runs=5 --modes=bulk,multi \
    --hosts=10.77.0.2,10.77.1.2,10.77.2.2 "--wrap=ip netns exec ${prefix}s{i}" --cap-mbit="$rate" "$@" || status=$?
for i in 0 1 2; do
    echo "# server $i qdisc: $(ip netns exec "${servers[$i]}" tc -s qdisc show dev "s$i" | tr -s ' \n' ' ')"
done
exit $status
