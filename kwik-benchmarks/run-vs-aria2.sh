#!/usr/bin/env bash
# `kwik fetch` against aria2c, side by side in one run: one file from three rate-capped servers.
#
#   curl    one path, HTTP/TCP from server 0: the one-path reference
#   aria2c  aria2c -s3 -x1 -k1M, a segmented download from nginx on all three servers
#   kwik    kwik fetch from kwik serve: the primary on server 0, secondaries on servers 1 and 2
#
# Each server lives in its own network namespace, its egress capped by tc tbf; the client runs
# in a fourth namespace, joined to each server by a veth pair (client 10.78.<i>.1, server
# 10.78.<i>.2). The time is whole-process wall time, what a user sees. Cases:
#
#   even       every server at the cap
#   kill       every server at the cap; server 2's process is stopped once 40 % of the file has
#              arrived (nginx for aria2c, kwik serve for kwik). Ideal: 40 % at the sum of the
#              caps, the rest at the two survivors.
#   straggler  server 2 at 1/8 of the cap. Ideal: the two fast servers alone.
#
# Needs root (namespaces, tc). Installs aria2, nginx-light, curl, openssl and bc with apt-get when
# they are missing, and builds the command line (./mvnw -pl kwik-cli -am package) unless
# SKIP_BUILD=1. Removes its namespaces, and whatever still runs in them, on exit.
#
# usage: kwik-benchmarks/run-vs-aria2.sh [--rate=MBIT] [--mib=N] [--runs=N] [--cases=even,kill,straggler]
#   defaults: --rate=80 --mib=256 --runs=3 --cases=even,kill,straggler
#   e.g. sudo kwik-benchmarks/run-vs-aria2.sh --rate=300 --cases=even
#   KWIK_FETCH_ARGS="--window 32MiB" adds options to every kwik fetch (an A/B of its settings)
#   --no-curl leaves out the one-path reference (28 s a run at 80 Mbit/s), for A/B series
#   KWIK_TIMELINE_DIR=DIR keeps a --timeline of every kwik serve and kwik fetch in DIR, for
#   kwik-benchmarks/timeline.py (see docs/PERFORMANCE.md); the timings then include writing them
# This is a benchmark, never a test: run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -z "${KWIK_TIMELINE_DIR:-}" ] || { mkdir -p "$KWIK_TIMELINE_DIR"; KWIK_TIMELINE_DIR=$(cd "$KWIK_TIMELINE_DIR" && pwd); }
proj=$(pwd)
rate=80 mib=256 runs=3 cases=even,kill,straggler curl=1
for arg in "$@"; do
  case $arg in
    --rate=*) rate=${arg#*=} ;;
    --mib=*) mib=${arg#*=} ;;
    --runs=*) runs=${arg#*=} ;;
    --cases=*) cases=${arg#*=} ;;
    --no-curl) curl=0 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "run-vs-aria2.sh needs root (network namespaces, tc)" >&2; exit 1; }

missing=()
for tool in aria2c:aria2 nginx:nginx-light curl:curl openssl:openssl bc:bc; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  echo "# installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# nginx-light's package may start a default server; this script starts its own in each namespace
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -B -q -pl kwik-cli -am package -DskipTests
fi
# the distribution's bin/kwik, with the JDK the build used (the java on PATH may be older)
export JAVA_HOME="${JAVA_HOME:-$(./mvnw --print-java-home)}"
kwik_dist=("$proj"/kwik-cli/target/kwik-*/bin/kwik)
kwik_cli="${kwik_dist[0]}"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /tmp/kwik-vs-aria2.XXXXXX)
prefix="kva$$"; client="${prefix}c"; servers=("${prefix}s0" "${prefix}s1" "${prefix}s2")
declare -A pid
cleanup() {
  set +e
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null; done
  for ns in "$client" "${servers[@]}"; do
    if ip netns list | grep -qw "$ns"; then
      for p in $(ip netns pids "$ns"); do kill "$p" 2>/dev/null; done
      sleep 0.3
      for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null; done
      ip netns delete "$ns"
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# ---------------------------------------------------------------- network

ip netns add "$client"; ip -n "$client" link set lo up
for i in 0 1 2; do
  ns=${servers[$i]}; ip netns add "$ns"; ip -n "$ns" link set lo up
  ip link add "kva$i" netns "$client" type veth peer name "kvb$i" netns "$ns"
  ip -n "$client" addr add "10.78.$i.1/24" dev "kva$i"; ip -n "$ns" addr add "10.78.$i.2/24" dev "kvb$i"
  ip -n "$client" link set "kva$i" up; ip -n "$ns" link set "kvb$i" up
  ip netns exec "$ns" tc qdisc add dev "kvb$i" root tbf rate "${rate}mbit" burst 32kbit latency 50ms
done
cap() { # $1 = server, $2 = Mbit/s
  ip netns exec "${servers[$1]}" tc qdisc change dev "kvb$1" root tbf rate "$2mbit" burst 32kbit latency 50ms
}

# ---------------------------------------------------------------- servers

mkdir -p "$work/root" "$work/out"
head -c "$((mib * 1048576))" /dev/urandom > "$work/root/f.bin"
want=$(sha256sum "$work/root/f.bin" | cut -d' ' -f1)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:10.78.0.2,IP:10.78.1.2,IP:10.78.2.2" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
head -c 32 /dev/urandom > "$work/group.key"

start_nginx() { # $1 = server
  local i=$1
  cat > "$work/nginx$i.conf" <<EOF
user root; worker_processes 1; pid $work/nginx$i.pid; error_log $work/nginx$i.err;
events { worker_connections 64; }
http { access_log off; sendfile on; tcp_nopush on;
  client_body_temp_path $work/nb$i; proxy_temp_path $work/np$i; fastcgi_temp_path $work/nf$i;
  uwsgi_temp_path $work/nu$i; scgi_temp_path $work/ns$i;
  server { listen 10.78.$i.2:8080; root $work/root; } }
EOF
  ip netns exec "${servers[$i]}" nginx -c "$work/nginx$i.conf" -g 'daemon off;' &
  pid[nginx$i]=$!
  for _ in $(seq 1 50); do [ -f "$work/nginx$i.pid" ] && return 0; sleep 0.1; done
}
start_kwik() { # $1 = server; the rest: options
  local i=$1; shift
  : > "$work/kwik$i.log"
  if [ -n "${KWIK_TIMELINE_DIR:-}" ]; then set -- "$@" --timeline "$KWIK_TIMELINE_DIR/serve$i-$(date +%s%N).tl"; fi
  ip netns exec "${servers[$i]}" "$kwik_cli" serve --bind "10.78.$i.2" --root "$work/root" \
    --cert "$work/cert.pem" --key "$work/key.pem" --group-key "$work/group.key" "$@" >> "$work/kwik$i.log" 2>&1 &
  pid[kwik$i]=$!
  for _ in $(seq 1 240); do grep -q "listening on" "$work/kwik$i.log" && return 0; sleep 0.25; done
  echo "kwik serve on server $i did not start:" >&2; cat "$work/kwik$i.log" >&2; exit 1
}
start_secondary() { start_kwik "$1" --port 4434; }
for i in 0 1 2; do start_nginx "$i"; done
start_secondary 1; start_secondary 2
start_kwik 0 --port 4433 --secondary 10.78.1.2:4434 --secondary 10.78.2.2:4434

# ---------------------------------------------------------------- measuring

# stops process $2 once file $1 (or its partial) holds 40 % of the file
killer() {
  local file=$1 victim=$2 limit=$((mib * 1048576 * 4 / 10)) n
  for _ in $(seq 1 12000); do
    n=0
    # aria2c writes the file sparse: count allocated blocks; kwik fetch appends to a .kwik-part
    [ -f "$file" ] && n=$(du -B1 "$file" | cut -f1)
    [ -f "$file.kwik-part" ] && n=$(stat -c %s "$file.kwik-part")
    if ((n >= limit)); then kill "$victim" 2>/dev/null || true; return; fi
    sleep 0.05
  done
}
timed() { # seconds of "$@" in the client namespace; its output in $work/last.log
  local t0 t1
  t0=$(date +%s.%N)
  ip netns exec "$client" "$@" > "$work/last.log" 2>&1 || echo "FAILED: $(tail -3 "$work/last.log")" >&2
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
: > "$work/results"
record() { # case, tool, seconds, file
  local ok=BAD
  [ "$(sha256sum "$4" 2>/dev/null | cut -d' ' -f1)" = "$want" ] && ok=OK
  printf "%-10s %-7s %9.2f s %8.2f MB/s  %s\n" "$1" "$2" "$3" "$(echo "$mib * 1.048576 / $3" | bc -l)" "$ok"
  if [ "$ok" = OK ]; then echo "$1 $2 $3" >> "$work/results"; else echo "$1 $2 inf" >> "$work/results"; fi
}
run_curl() {
  rm -f "$work/out/c.bin"
  record "$1" curl "$(timed curl -s -o "$work/out/c.bin" "http://10.78.0.2:8080/f.bin")" "$work/out/c.bin"
}
run_aria2() { # case, kill?
  rm -f "$work/out/a.bin"*
  local k=
  # the kill case stopped server 2: every run starts with all three
  kill -0 "${pid[nginx2]}" 2>/dev/null || { rm -f "$work/nginx2.pid"; start_nginx 2; }
  if [ "$2" = kill ]; then
    killer "$work/out/a.bin" "${pid[nginx2]}" & k=$!
  fi
  local s
  s=$(timed aria2c -q -s3 -x1 -k1M --file-allocation=none --allow-overwrite=true --auto-file-renaming=false \
      -d "$work/out" -o a.bin "http://10.78.0.2:8080/f.bin" "http://10.78.1.2:8080/f.bin" "http://10.78.2.2:8080/f.bin")
  [ -z "$k" ] || wait "$k" 2>/dev/null || true
  record "$1" aria2c "$s" "$work/out/a.bin"
}
run_kwik() { # case, kill?
  rm -f "$work/out/k.bin"*
  local k=
  kill -0 "${pid[kwik2]}" 2>/dev/null || start_secondary 2
  if [ "$2" = kill ]; then
    killer "$work/out/k.bin" "${pid[kwik2]}" & k=$!
  fi
  local s timeline=()
  if [ -n "${KWIK_TIMELINE_DIR:-}" ]; then timeline=(--timeline "$KWIK_TIMELINE_DIR/fetch-$1-$(date +%s%N).tl"); fi
  # KWIK_FETCH_ARGS: more options for kwik fetch, word-split (e.g. KWIK_FETCH_ARGS="--window 32MiB")
  # shellcheck disable=SC2086
  s=$(timed "$kwik_cli" fetch "kwik://10.78.0.2:4433/f.bin" -o "$work/out/k.bin" --force --trust "$work/cert.pem" --progress none "${timeline[@]}" ${KWIK_FETCH_ARGS:-})
  [ -z "$k" ] || wait "$k" 2>/dev/null || true
  record "$1" kwik "$s" "$work/out/k.bin"
  grep -E "^p[0-9]|^total" "$work/last.log" | sed 's/^/             /' || true
}

echo "# $(date -u '+%F %T UTC'); $(nproc) cores; load before: $load_before"
echo "# ${mib} MiB, ${runs} run(s) per row, cap ${rate} Mbit/s per server; $(aria2c --version | head -1); $(nginx -v 2>&1)"
for c in ${cases//,/ }; do
  case $c in
    even) cap 2 "$rate" ;;
    kill) cap 2 "$rate" ;;
    straggler) cap 2 "$((rate / 8))" ;;
    *) echo "unknown case: $c" >&2; exit 2 ;;
  esac
  for r in $(seq 1 "$runs"); do
    [ "$c" = kill ] || [ "$curl" = 0 ] || run_curl "$c"
    run_aria2 "$c" "$([ "$c" = kill ] && echo kill || echo no)"
    run_kwik "$c" "$([ "$c" = kill ] && echo kill || echo no)"
  done
done

# ---------------------------------------------------------------- the table

python3 - "$work/results" "$rate" "$mib" <<'PY'
import sys, statistics
path, rate, mib = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
times = {}
for line in open(path):
    case, tool, seconds = line.split()
    times.setdefault(case, {}).setdefault(tool, []).append(float(seconds))
size_mb = mib * 1.048576
cap_mbs = rate / 8
ideal = {
    "even": size_mb / (3 * cap_mbs),
    "kill": 0.4 * size_mb / (3 * cap_mbs) + 0.6 * size_mb / (2 * cap_mbs),
    "straggler": size_mb / (2 * cap_mbs),
}
def med(case, tool):
    v = times.get(case, {}).get(tool)
    return statistics.median(v) if v else None
def fmt_time(t):
    return "failed" if t == float("inf") else f"{t:.2f} s ({size_mb / t:.1f} MB/s)"
print()
print(f"| case | curl, 1 server | aria2c, 3 mirrors | kwik fetch, 3 servers | kwik ÷ aria2c (speed) | kwik ÷ ideal (time) |")
print("|---|---|---|---|---|---|")
for case in times:
    c, a, k = med(case, "curl"), med(case, "aria2c"), med(case, "kwik")
    ratio = f"{a / k:.2f}" if a and k and k != float("inf") and a != float("inf") else "—"
    vs_ideal = f"{k / ideal[case]:.2f} × (ideal {ideal[case]:.2f} s)" if k and k != float("inf") else "—"
    print(f"| {case} | {fmt_time(c) if c else '—'} | {fmt_time(a) if a else '—'} | {fmt_time(k) if k else '—'} | {ratio} | {vs_ideal} |")
print()
print(f"medians of the runs; sum of the caps {3 * cap_mbs:.2f} MB/s; MB = 10^6 bytes")
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
