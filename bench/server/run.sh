#!/usr/bin/env bash
# Load test of POST /webhooks/rest/webhook with wrk (Debian package `wrk`).
#
#   bench/server/run.sh                                   # the fake-bot host (HTTP + SQLite path, no NLU)
#   bench/server/run.sh --url http://127.0.0.1:5005 \
#       --start "dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll serve --project samples/ecommerce-zh"
#   bench/server/run.sh --url http://127.0.0.1:5005       # a server that is already running
#
# Options: --url URL  --start CMD  --duration 30s  --warmup 30s  --connections 64  --threads 2  --conversations 1000
#          --rate N  (paced: the measured run offers N requests/s as a Poisson stream instead of saturating)
# The warm-up runs the same load unmeasured until the JIT has finished tiering up (PGO-instrumented code turns into
# optimized code ~30 s into a saturated run on two cores): the figures are the server's steady state.
# With --start (or the default fake host) it also reports cold start (launch to first webhook reply, ms)
# and the server's resident memory after the run. The last line is JSON.
set -euo pipefail
cd "$(dirname "$0")/../.."

url="" start="" duration="30s" warmup="30s" connections=64 threads=2 conversations=1000 rate=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --start) start="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --conversations) conversations="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if [[ -z "$url" && -z "$start" ]]; then
  dotnet build bench/server/FakeBotHost -c Release -o "$workdir/host" -v quiet -nologo >/dev/null
  url="http://127.0.0.1:5099"
  start="dotnet $workdir/host/FakeBotHost.dll 5099 $workdir/bench.db"
fi
url="${url:-http://127.0.0.1:5005}"
probe() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "$url/webhooks/rest/webhook" \
    -H 'Content-Type: application/json' -d '{"sender":"bench-probe","message":"你好"}' 2>/dev/null || true
}

cold_start_ms=null
if [[ -n "$start" ]]; then
  launched=$(date +%s%N)
  bash -c "exec $start" >"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 1200); do
    [[ "$(probe)" == 200 ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; echo "server exited" >&2; exit 1; }
    sleep 0.05
  done
  [[ "$(probe)" == 200 ]] || { cat "$workdir/server.log" >&2; echo "server never answered at $url" >&2; exit 1; }
  cold_start_ms=$(( ($(date +%s%N) - launched) / 1000000 ))
fi

# Warm-up (JIT tiering, connection pool, SQLite pages), then the measured run.
KEFU_CONVERSATIONS=$conversations wrk -t"$threads" -c"$connections" -d"$warmup" -s bench/server/webhook.lua "$url" >/dev/null
KEFU_CONVERSATIONS=$conversations KEFU_RATE=$rate KEFU_THREADS=$threads \
  wrk -t"$threads" -c"$connections" -d"$duration" --latency \
  -s bench/server/webhook.lua "$url" | tee "$workdir/wrk.out"

# RSS counts the SQLite file's pages the server has mapped (mmap) too; RssAnon is the process's own memory.
rss_mib=null rss_anon_mib=null
if [[ -n "$server_pid" ]]; then
  rss_mib=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status")
  rss_anon_mib=$(awk '/RssAnon/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status")
fi
result=$(grep '^{"requests"' "$workdir/wrk.out")
echo "${result%\}},\"offered_rate\":$rate,\"connections\":$connections,\"conversations\":$conversations,\"cold_start_ms\":$cold_start_ms,\"server_rss_mib\":$rss_mib,\"server_rss_anon_mib\":$rss_anon_mib}"
