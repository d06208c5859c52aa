#!/usr/bin/env bash
# Promotion and hot reload under load (issue 19, item 4): `kefu serve` on a copy of a sample with two registered
# versions, wrk offering a paced Poisson stream of webhook requests (bench/server/webhook.lua, KEFU_RATE), and
# `kefu models promote` switching between the two versions every --every seconds while it runs. Reports wrk's figures
# (non_2xx and socket_errors are the failed requests), the promotions made and the reloads the server logged.
#
#   bench/server/hot-reload.sh [--project samples/ecommerce-zh] [--rate 500] [--duration 60s] [--every 5]
#                              [--connections 16] [--port 5310]
# --every 0 makes no promotions: the same load without reloads, the baseline to compare latency with.
# Needs wrk (apt-get install wrk) and a Release build of src/Kefu.Cli. The last line is JSON.
set -euo pipefail
cd "$(dirname "$0")/../.."

project="samples/ecommerce-zh" rate=500 duration="60s" every=5 connections=16 port=5310 warmup="15s"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --project) project="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --every) every="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
kefu="dotnet $PWD/src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll"
url="http://127.0.0.1:$port"

workdir=$(mktemp -d)
server_pid="" promoter_pid=""
cleanup() {
  for pid in "$promoter_pid" "$server_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$workdir"
}
trap cleanup EXIT

# The copy sits as deep as the sample does, so that paths like ../../../shared in its files still resolve.
bot="$workdir/a/b/bot"
mkdir -p "$(dirname "$bot")"
cp -r "$project/." "$bot/"
rm -rf "$bot/models" "$bot/.kefu" "$bot/actions/bin" "$bot/actions/obj"
ln -s "$(realpath "$project/../../../shared" 2>/dev/null || echo /nonexistent)" "$workdir/shared" 2>/dev/null || true
for _ in 1 2; do $kefu train --project "$bot" >/dev/null 2>"$workdir/train.log" || { cat "$workdir/train.log" >&2; exit 1; }; done

$kefu serve --project "$bot" --port "$port" >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 1200); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true)" == 200 ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; echo "server exited" >&2; exit 1; }
  sleep 0.1
done

# Warm-up at the same rate (JIT tiering, SQLite pages), unmeasured and without promotions.
KEFU_RATE=$rate KEFU_THREADS=2 wrk -t2 -c"$connections" -d"$warmup" -s bench/server/webhook.lua "$url" >/dev/null

touch "$workdir/promotions"
if [[ "$every" != 0 ]]; then
  (
    version=v1
    while true; do
      sleep "$every"
      $kefu models promote "$version" --project "$bot" >/dev/null 2>>"$workdir/promote.log" && echo "$version" >>"$workdir/promotions"
      [[ $version == v1 ]] && version=v2 || version=v1
    done
  ) &
  promoter_pid=$!
fi
KEFU_RATE=$rate KEFU_THREADS=2 wrk -t2 -c"$connections" -d"$duration" --latency \
  -s bench/server/webhook.lua "$url" | tee "$workdir/wrk.out" >&2
if [[ -n "$promoter_pid" ]]; then kill "$promoter_pid"; wait "$promoter_pid" 2>/dev/null || true; fi
promoter_pid=""
sleep 3   # the last promotion's reload

promotions=$(wc -l <"$workdir/promotions" 2>/dev/null || echo 0)
reloads=$(grep -c "was promoted)" "$workdir/server.log" || true)
failed_loads=$(grep -c "Could not load" "$workdir/server.log" || true)
model=$(curl -s "$url/status" | sed -n 's/.*"model_id":"\([^"]*\)".*/\1/p')
result=$(grep '^{"requests"' "$workdir/wrk.out")
echo "${result%\}},\"offered_rate\":$rate,\"connections\":$connections,\"promotions\":$promotions,\"reloads\":$reloads,\"failed_loads\":$failed_loads,\"model_at_end\":\"$model\"}"
