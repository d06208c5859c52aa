#!/usr/bin/env bash
# Memory under the big-conversation attack (issue 13): one conversation fed many 10,000-character messages through
# the public webhook, then rounds of 16 parallel readers of the public poll route, each following `next` to the end.
# The server's resident memory is read from /proc while it runs.
#
#   bench/server/big-conversation.sh --start "dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll serve \
#       --project samples/ecommerce-zh --model /tmp/ecommerce.kefu --db /tmp/big.db --port 5601" --url http://127.0.0.1:5601
#   bench/server/big-conversation.sh                 # the fake-bot host (echo bot, SQLite) on port 5602
#
# Options: --url URL  --start CMD  --messages 1636  --characters 10000  --readers 16  --rounds 3  --idle 10
#          --token T   (also reads /conversations/{id}/tracker in each round, with the token)
#          --restart   (restarts the server after the conversation is built and sends it one more message: the engine
#                       then replays the conversation from the database, and rss_peak covers that replay; the start
#                       command must keep the database, e.g. with --db)
# The server must be started by this script (--start or the default host): its RSS is what is measured.
# Last line is JSON: rss_* in MiB (VmRSS; peak is VmHWM, the most the process ever held), seconds, and the HTTP
# status codes seen by the readers.
set -euo pipefail
cd "$(dirname "$0")/../.."

url="" start="" messages=1636 characters=10000 readers=16 rounds=3 idle=10 token="" restart=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --start) start="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
    --characters) characters="$2"; shift 2 ;;
    --readers) readers="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --restart) restart=1; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if [[ -z "$start" ]]; then
  dotnet build bench/server/FakeBotHost -c Release -o "$workdir/host" -v quiet -nologo >/dev/null
  url="http://127.0.0.1:5602"
  start="dotnet $workdir/host/FakeBotHost.dll 5602 $workdir/big.db"
fi
url="${url:-http://127.0.0.1:5005}"

launch() {
  bash -c "exec $start" >>"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 6000); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true)" == 200 ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; echo "server exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "server never became ready" >&2; exit 1
}
launch

rss() { awk -v key="$1:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }
rss_start=$(rss VmRSS)

# One 10,000-character message (CJK, 3 bytes each in UTF-8), numbered so that every message differs.
sender="big-$$"
body_text=$(python3 -c "import sys; n=int(sys.argv[1]); s='客服消息测试内容长文本'; print((s * (n // len(s) + 1))[:n - 8])" "$characters")
built=$(date +%s%N)
failed=0
for i in $(seq 1 "$messages"); do
  printf '{"sender":"%s","message":"%08d%s"}' "$sender" "$i" "$body_text" >"$workdir/body.json"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/webhooks/rest/webhook" \
    -H 'Content-Type: application/json' --data-binary @"$workdir/body.json" || true)
  [[ "$code" == 200 ]] || failed=$((failed + 1))
done
build_seconds=$(( ($(date +%s%N) - built) / 1000000000 ))
rss_built=$(rss VmRSS)
replay_status=null
if (( restart )); then
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  launch
  printf '{"sender":"%s","message":"%s"}' "$sender" "重启之后的第一条消息" >"$workdir/body.json"
  replay_status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/webhooks/rest/webhook" \
    -H 'Content-Type: application/json' --data-binary @"$workdir/body.json" || echo 000)
fi

# A reader follows `next` until a page brings no message (an old server answers everything in one page).
read_all() {
  local after=0 pages=0
  while (( pages < 10000 )); do
    code=$(curl -s -o "$workdir/page-$1.json" -w '%{http_code}' "$url/webhooks/rest/conversations/$sender/messages?after=$after" || echo 000)
    echo "$code" >>"$workdir/codes"
    [[ "$code" == 200 ]] || return 0
    pages=$((pages + 1))
    next=$(jq -r '.next' "$workdir/page-$1.json")
    count=$(jq -r '.messages | length' "$workdir/page-$1.json")
    [[ "$count" -gt 0 && "$next" -gt "$after" ]] || return 0
    after=$next
  done
}
read_tracker() {
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/conversations/$sender/tracker" || echo 000)
  echo "$code" >>"$workdir/codes"
}

polled=$(date +%s%N)
for _ in $(seq 1 "$rounds"); do
  pids=()
  for r in $(seq 1 "$readers"); do
    read_all "$r" & pids+=($!)
    if [[ -n "$token" ]]; then read_tracker & pids+=($!); fi
  done
  wait "${pids[@]}"
done
poll_seconds=$(( ($(date +%s%N) - polled) / 1000000000 ))
rss_polled=$(rss VmRSS)
sleep "$idle"
rss_idle=$(rss VmRSS)
rss_anon_idle=$(rss RssAnon)
rss_peak=$(rss VmHWM)
codes=$(sort "$workdir/codes" | uniq -c | awk '{ printf "%s\"%s\":%s", (NR > 1 ? "," : ""), $2, $1 }')
echo "{\"messages\":$messages,\"characters\":$characters,\"webhook_failures\":$failed,\"build_seconds\":$build_seconds,\"restart\":$restart,\"replay_status\":$replay_status,\"readers\":$readers,\"rounds\":$rounds,\"poll_seconds\":$poll_seconds,\"rss_start_mib\":$rss_start,\"rss_after_build_mib\":$rss_built,\"rss_after_polls_mib\":$rss_polled,\"rss_idle_mib\":$rss_idle,\"rss_anon_idle_mib\":$rss_anon_idle,\"rss_peak_mib\":$rss_peak,\"reader_status\":{$codes}}"
