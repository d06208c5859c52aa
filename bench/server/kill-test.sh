#!/usr/bin/env bash
# Durability check: every webhook message acknowledged before a `kill -9` is in the conversation after a restart.
#
#   bench/server/kill-test.sh                       # the fake-bot host on a fresh database
#   bench/server/kill-test.sh --url http://127.0.0.1:5005 --token TOKEN \
#       --start "dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll serve --project samples/ecommerce-zh"
#
# Messages go out from 8 parallel senders to 8 conversations; the server is killed while they are in flight.
# Afterwards each conversation's tracker must hold at least the user messages that got a 200 (counted by
# their text, which is unique). Exit code 1 on any loss.
set -euo pipefail
cd "$(dirname "$0")/../.."

url="" start="" token="" messages=200
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --start) start="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
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
  url="http://127.0.0.1:5098"
  start="dotnet $workdir/host/FakeBotHost.dll 5098 $workdir/kill.db"
fi
url="${url:-http://127.0.0.1:5005}"

launch() {
  bash -c "exec $start" >>"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 1200); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" == 200 ]] && return 0
    sleep 0.05
  done
  cat "$workdir/server.log" >&2; echo "server never became ready at $url" >&2; exit 1
}

send_all() { # conversation: posts numbered messages, records the ones acknowledged with 200
  local conversation=$1
  for i in $(seq 1 "$messages"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/webhooks/rest/webhook" \
      -H 'Content-Type: application/json' -d "{\"sender\":\"$conversation\",\"message\":\"kill-test $conversation #$i\"}" || true)
    [[ "$code" == 200 ]] && echo "kill-test $conversation #$i" >>"$workdir/acked-$conversation" || return 0
  done
}

launch
for c in $(seq 1 8); do send_all "kt-$c" & done
sleep 2
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
wait
launch

lost=0 acked=0
auth=(); [[ -n "$token" ]] && auth=(-H "Authorization: Bearer $token")
for c in $(seq 1 8); do
  [[ -f "$workdir/acked-kt-$c" ]] || continue
  curl -s "${auth[@]}" "$url/conversations/kt-$c/tracker" >"$workdir/tracker-$c.json"
  while read -r text; do
    acked=$((acked + 1))
    grep -qF "\"$text\"" "$workdir/tracker-$c.json" || { lost=$((lost + 1)); echo "lost: $text" >&2; }
  done <"$workdir/acked-kt-$c"
done
echo "{\"acknowledged\":$acked,\"lost\":$lost}"
[[ $lost -eq 0 && $acked -gt 0 ]]
