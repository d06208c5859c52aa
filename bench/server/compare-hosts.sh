#!/usr/bin/env bash
# Two FakeBotHost builds side by side (issue 13: "no measurable cost" of a change): both run at once, each on its own
# SQLite file, and each is loaded at once by its own `wrk -t1 -c32`, so the shared machine's noise falls on both alike.
# Per round: requests/s, p99, and CPU per request (the host's utime+stime from /proc over the round ÷ requests).
# Usage: compare-hosts.sh BEFORE_DIR AFTER_DIR [ROUNDS] [SECONDS]
#   where each DIR is `dotnet build bench/server/FakeBotHost -c Release -o DIR` of one commit;
#   BEFORE_ENV / AFTER_ENV: environment settings for one side (e.g. AFTER_ENV=Logging__LogLevel__Default=Warning).
set -euo pipefail
before=$1 after=$2 rounds=${3:-4} seconds=${4:-20}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $pb $pa 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
env ${BEFORE_ENV:-} dotnet "$before/FakeBotHost.dll" 5091 "$work/before.db" >"$work/before.log" 2>&1 & pb=$!
env ${AFTER_ENV:-} dotnet "$after/FakeBotHost.dll" 5092 "$work/after.db" >"$work/after.log" 2>&1 & pa=$!
for port in 5091 5092; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime in clock ticks
load() { # PORT SECONDS -> wrk's JSON line (requests, p99...)
  wrk -t1 -c32 -d"$2"s --latency -s "$here/webhook.lua" "http://127.0.0.1:$1" | tail -1
}
load 5091 30 >/dev/null & w=$!; load 5092 30 >/dev/null; wait $w   # warm-up: the JIT's tiering settles
tick=$(getconf CLK_TCK)
for r in $(seq "$rounds"); do
  b0=$(cpu $pb) a0=$(cpu $pa)
  load 5091 "$seconds" >"$work/b.json" & w=$!; load 5092 "$seconds" >"$work/a.json"; wait $w
  b1=$(cpu $pb) a1=$(cpu $pa)
  python3 - "$work/b.json" "$work/a.json" "$((b1 - b0))" "$((a1 - a0))" "$tick" "$r" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
b, a = (json.load(open(p)) for p in sys.argv[1:3])
bt, at, tick, r, load = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
ms = lambda ticks, n: round(1000 * ticks / tick / n, 4)
print(json.dumps({"round": int(r), "load": float(load),
  "before_rps": b["requests_per_second"], "after_rps": a["requests_per_second"], "rps_ratio": round(a["requests_per_second"] / b["requests_per_second"], 3),
  "before_p99_ms": b["latency_p99_ms"], "after_p99_ms": a["latency_p99_ms"],
  "before_cpu_ms_per_req": ms(bt, b["requests"]), "after_cpu_ms_per_req": ms(at, a["requests"]),
  "cpu_ratio": round(ms(at, a["requests"]) / ms(bt, b["requests"]), 3)}))
PY
done
