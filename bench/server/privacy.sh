#!/usr/bin/env bash
# Redaction on against redaction off (docs/privacy.md), side by side: two `kefu serve` of one trained copy of
# samples/ecommerce-zh, one with every detector on (endpoints.yml privacy: redact: [phone, id_card, bank_card, email,
# address]), one with redaction off (redact: []), each on its own SQLite file, run at once and loaded at once by one
# wrk each (bench/server/privacy.lua: half the messages carry personal data), so that the shared machine's noise
# falls on both alike. After a warm-up of both, ROUNDS measured rounds; one JSON line per round with the ratio
# on / off of requests per second, then the mean ratio.
#
#   bench/server/privacy.sh [--rounds 3] [--duration 20s] [--warmup 30s] [--connections 32] [--ports 5591,5592]
# Needs: wrk (apt-get install wrk), kefu built: dotnet build src/Kefu.Cli -c Release
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 duration=20s warmup=30s connections=32 ports=5591,5592
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --ports) ports="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
kefu_dll=src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll
[[ -f $kefu_dll ]] || { echo "build kefu first: dotnet build src/Kefu.Cli -c Release" >&2; exit 1; }
on_port=${ports%,*} off_port=${ports#*,}

workdir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT

cp -r samples/ecommerce-zh "$workdir/on"
rm -rf "$workdir/on/.kefu" "$workdir/on/models"
dotnet "$kefu_dll" train --project "$workdir/on" >"$workdir/train.log" 2>&1 || { cat "$workdir/train.log" >&2; exit 1; }
model=$(ls "$workdir"/on/models/*.kefu | head -1)
cp -r "$workdir/on" "$workdir/off"
printf '\nprivacy:\n  redact: [phone, id_card, bank_card, email, address]\n' >>"$workdir/on/endpoints.yml"
printf '\nprivacy:\n  redact: []\n' >>"$workdir/off/endpoints.yml"

start() { # NAME PORT
  dotnet "$kefu_dll" serve --project "$workdir/$1" --model "$model" --port "$2" --db "$workdir/$1.db" >"$workdir/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 1200); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/readyz")" == 200 ]] && return 0
    sleep 0.05
  done
  cat "$workdir/$1.log" >&2; echo "$1 never became ready" >&2; exit 1
}
start on "$on_port"
start off "$off_port"

load() { # DURATION -> two JSON lines, on then off
  KEFU_CONVERSATIONS=1000 wrk -t1 -c"$connections" -d"$1" --latency -s bench/server/privacy.lua "http://127.0.0.1:$on_port" >"$workdir/on.out" &
  local a=$!
  KEFU_CONVERSATIONS=1000 wrk -t1 -c"$connections" -d"$1" --latency -s bench/server/privacy.lua "http://127.0.0.1:$off_port" >"$workdir/off.out" &
  local b=$!
  wait "$a" "$b"
}

load "$warmup"
sum=0
for round in $(seq 1 "$rounds"); do
  load "$duration"
  on=$(grep '^{"requests"' "$workdir/on.out") off=$(grep '^{"requests"' "$workdir/off.out")
  on_rps=$(sed -E 's/.*"requests_per_second":([0-9]+).*/\1/' <<<"$on")
  off_rps=$(sed -E 's/.*"requests_per_second":([0-9]+).*/\1/' <<<"$off")
  ratio=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN { printf "%.3f", a / b }')
  sum=$(awk -v s="$sum" -v r="$ratio" 'BEGIN { printf "%.6f", s + r }')
  load_avg=$(cut -d' ' -f1 /proc/loadavg)
  echo "{\"round\":$round,\"load\":$load_avg,\"on\":$on,\"off\":$off,\"on_over_off\":$ratio}"
done
# What the "on" server stored: a check that redaction ran (the phone must be masked in its database, kept in the other's).
# grep -c exits 1 on no match, which is the answer wanted for "on".
on_leaks=$({ grep -c 13812345678 "$workdir/on.db"* 2>/dev/null || true; } | awk -F: '{ s += $NF } END { print s + 0 }')
off_has=$({ grep -c 13812345678 "$workdir/off.db"* 2>/dev/null || true; } | awk -F: '{ s += $NF } END { print s + 0 }')
echo "{\"rounds\":$rounds,\"mean_on_over_off\":$(awk -v s="$sum" -v n="$rounds" 'BEGIN { printf "%.3f", s / n }'),\"on_db_lines_with_phone\":$on_leaks,\"off_db_lines_with_phone\":$off_has}"
