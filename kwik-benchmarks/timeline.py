#!/usr/bin/env python3
"""Summarises the --timeline files of one multi-source download (docs/PERFORMANCE.md).

usage: kwik-benchmarks/timeline.py FETCH.tl SERVE.tl... [--series]

FETCH.tl is one `kwik fetch --timeline` file; the SERVE.tl files are those of the primary and
secondaries (`kwik serve --timeline`), which may span several downloads: only their lines
inside the fetch's time span count. Every line starts with System.nanoTime() in ms, one clock
for every process on one host. Per delegated path it prints:
  instruction lag   dispatch on the primary -> the instruction at the secondary
  start lag         the instruction at the secondary -> its writer starts the range
  idle              the secondary's writer with no range to write (its queue empty)
  writeAt           time its writer spent inside writeAt (credit, queue to QUIC, send window)
  credit / window   waits for the client's stream credit / for the KWIK send window
  receipt lag       the secondary's last writeAt returned -> the primary saw the range complete
  ranges queued     ranges the secondary held (queued + writing) when it got an instruction
With --series, per 100 ms: the reader's frontier and each path's MiB/s at the client.
"""
import re
import statistics
import sys

KV = re.compile(r"(\S+?)=(\S+)")


def parse(path):
    for line in open(path):
        parts = line.split(" ", 2)
        if len(parts) < 2:
            continue
        try:
            t = float(parts[0])
        except ValueError:
            continue
        yield t, parts[1], dict(KV.findall(parts[2] if len(parts) > 2 else ""))


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def fmt(values):
    if not values:
        return "-"
    return f"median {statistics.median(values):7.1f}  p90 {pct(values, 0.9):7.1f}  max {max(values):7.1f}  (n={len(values)})"


def main(argv):
    series = "--series" in argv
    files = [a for a in argv if a != "--series"]
    if len(files) < 2:
        print(__doc__)
        return 2
    fetch = list(parse(files[0]))
    ticks = [(t, kv) for t, ev, kv in fetch if ev == "client-tick"]
    if not ticks:
        print("no client-tick lines in", files[0])
        return 1
    t0, t1 = ticks[0][0], ticks[-1][0]
    events = []
    for f in files[1:]:
        events += [e for e in parse(f) if t0 - 2000 <= e[0] <= t1 + 1000]
    events.sort(key=lambda e: e[0])
    span = (t1 - t0) / 1000
    print(f"fetch span {span:.2f} s ({len(ticks)} client ticks)")

    dispatch = {}   # (path, at) -> t
    got = {}
    start = {}
    end = {}
    done = {}
    queued_at_got = {}
    writeat = {}
    credit = {}
    window = {}
    for t, ev, kv in events:
        path = kv.get("path")
        if ev == "dispatch" and kv.get("refill") == "false":
            dispatch[(path, kv["at"])] = t
        elif ev == "done" and kv.get("refill") == "false":
            done[(path, kv["at"])] = t
        elif ev == "got":
            got[(path, kv["at"])] = t
            queued_at_got.setdefault(path, []).append(int(kv["queued"]))
        elif ev == "write-start":
            start[(path, kv["at"])] = t
        elif ev == "write-end":
            end[(path, kv["at"])] = t
            writeat[path] = writeat.get(path, 0) + float(kv["writeat-ms"])
        elif ev == "credit-wait" and t0 <= t <= t1:
            credit[path] = credit.get(path, 0) + float(kv["ms"])
        elif ev == "window-wait" and t0 <= t <= t1:
            window[path] = window.get(path, 0) + float(kv["ms"])
    paths = sorted({k[0] for k in got})
    for path in paths:
        mine = sorted(k for k in got if k[0] == path)
        lag = [got[k] - dispatch[k] for k in mine if k in dispatch]
        slag = [start[k] - got[k] for k in mine if k in start]
        rlag = [done[k] - end[k] for k in mine if k in end and k in done]
        # idle: from the end of one range to the start of the next, when the next was not yet there
        spans = sorted((start[k], end[k]) for k in mine if k in start and k in end)
        idle = 0.0
        gaps = []
        for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
            if s1 > e0:
                idle += s1 - e0
                gaps.append(s1 - e0)
        first = spans[0][0] if spans else t0
        last = spans[-1][1] if spans else t1
        busy = sum(e - s for s, e in spans)
        print(f"\n{path}: {len(mine)} ranges; writer busy {busy / 1000:.2f} s, idle between ranges {idle / 1000:.2f} s "
              f"over {(last - first) / 1000:.2f} s from its first range to its last")
        print(f"  instruction lag ms  {fmt(lag)}")
        print(f"  start lag ms        {fmt(slag)}")
        print(f"  idle gaps ms        {fmt(gaps)}")
        print(f"  receipt lag ms      {fmt(rlag)}")
        print(f"  ranges held at got  {fmt([float(q) for q in queued_at_got.get(path, [])])}")
        print(f"  writeAt {writeat.get(path, 0) / 1000:.2f} s; credit waits {credit.get(path, 0) / 1000:.2f} s; "
              f"window waits {window.get(path, 0) / 1000:.2f} s")
    for path in sorted(window):
        if path not in paths:
            print(f"\n{path} (primary's own path): window waits {window[path] / 1000:.2f} s; credit waits "
                  f"{credit.get(path, 0) / 1000:.2f} s")

    # rates per path at the client, and the reader's frontier
    prev = None
    rates = {}
    rows = []
    for t, kv in ticks:
        vals = {k: int(v.split(",")[0].split(":")[1]) for k, v in kv.items() if k.startswith("p")}
        read = int(kv["read"])
        if prev is not None:
            dt = (t - prev[0]) / 1000
            row = [f"{(t - t0) / 1000:6.2f}", f"{read / 1048576:8.1f}"]
            for k in sorted(vals):
                r = (vals[k] - prev[1].get(k, vals[k])) / dt / 1048576
                rates.setdefault(k, []).append(r)
                row.append(f"{k} {r:5.1f}")
            rows.append("  ".join(row))
        prev = (t, vals)
    print("\nper path at the client, MiB/s per ~100 ms: " + "; ".join(
        f"{k} median {statistics.median(v):.1f}, share of ticks under 5 MiB/s {sum(1 for x in v if x < 5) / len(v):.0%}"
        for k, v in sorted(rates.items())))
    if series:
        print("\n     s  read MiB  per path MiB/s")
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
