#!/usr/bin/env bash
# Cold start of a Kefu server: process launch to its first webhook reply (200), in ms, over several launches.
# Usage:
#   bench/server/cold-start.sh --url http://127.0.0.1:5005 --runs 5 \
#     --start "dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll serve --project COPY_OF_samples/ecommerce-zh --db /tmp/cold.db"
# --fresh FILE deletes FILE (and its -wal/-shm) before each launch, so that every start opens a new database.
# Polls every 10 ms (run.sh polls every 50 ms while it waits for the server it benchmarks). Last line is JSON.
set -euo pipefail
url="http://127.0.0.1:5005" start="" runs=5 fresh=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --start) start="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --fresh) fresh="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[[ -n "$start" ]] || { echo "--start is required" >&2; exit 2; }

log=$(mktemp)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; fi
  rm -f "$log"
}
trap cleanup EXIT

results=()
for _ in $(seq 1 "$runs"); do
  [[ -n "$fresh" ]] && rm -f "$fresh" "$fresh-wal" "$fresh-shm"
  launched=$(date +%s%N)
  bash -c "exec $start" >"$log" 2>&1 &
  server_pid=$!
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/webhooks/rest/webhook" -H 'Content-Type: application/json' \
      -d '{"sender":"cold-start","message":"你好"}' 2>/dev/null || true)" == 200 ]]; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "server exited" >&2; exit 1; }
    (( ($(date +%s%N) - launched) / 1000000 < 60000 )) || { cat "$log" >&2; echo "no reply within 60 s" >&2; exit 1; }
    sleep 0.01
  done
  results+=($(( ($(date +%s%N) - launched) / 1000000 )))
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
echo "{\"cold_start_ms\":[$(IFS=,; echo "${results[*]}")]}"
