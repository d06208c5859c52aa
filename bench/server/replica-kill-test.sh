#!/usr/bin/env bash
# Several replicas, one conversation, kill -9: two `kefu serve` replicas on PostgreSQL + Redis behind nginx; 8 senders
# post numbered messages to ONE conversation in parallel (each waits for its answer before its next message); one
# replica is killed with -9 mid-traffic and started again. Then the conversation's tracker must hold every message
# that got a 200 (lost), each sender's acknowledged messages in the order it sent them (order_violations), no message
# twice (duplicates), and no answer may have been a 500. A fresh database each run; one JSON line per run.
#
#   bench/server/replica-kill-test.sh [--runs 3] [--messages 40] [--sample ecommerce-zh]
# Needs what bench/server/replicas.sh needs. Exit code 1 on any loss, violation, duplicate or 500.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=3 messages=40 sample=ecommerce-zh
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }
workdir=$(mktemp -d)
source bench/server/replicas-lib.sh
trap 'stop_all; rm -rf "$workdir"' EXIT
url=http://127.0.0.1:5760

send_all() { # sender: numbered messages to the shared conversation; records acknowledged ones and every status code
  local sender=$1 code
  for i in $(seq -w 1 "$messages"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X POST "$url/webhooks/rest/webhook" \
      -H 'Content-Type: application/json' -d "{\"sender\":\"kt-shared\",\"message\":\"kill-test s$sender #$i\"}" || true)
    echo "$code" >>"$workdir/codes"
    [[ "$code" == 200 ]] && echo "kill-test s$sender #$i" >>"$workdir/acked"
  done
}

failed=0
for run in $(seq 1 "$runs"); do
  : >"$workdir/acked"; : >"$workdir/codes"
  prepare_project "$sample" shared "kefu_bench_kill_$run"
  start_replica 5761
  start_replica 5762
  start_nginx 5760 5761 5762
  senders=()
  for s in $(seq 1 8); do send_all "$s" & senders+=($!); done
  sleep 2
  kill -9 "${replica_pids[5762]}"; wait "${replica_pids[5762]}" 2>/dev/null || true
  start_replica 5762 # a replacement joins while the senders go on
  wait "${senders[@]}"
  curl -s "$url/conversations/kt-shared/tracker" >"$workdir/tracker.json"
  result=$(python3 - "$workdir/tracker.json" "$workdir/acked" "$workdir/codes" "$run" <<'PY'
import json, re, sys
tracker, acked_file, codes_file, run = sys.argv[1:]
users = [e["text"] for e in json.load(open(tracker))["events"] if e["event"] == "user"]
acked = [l.strip() for l in open(acked_file)]
codes = [l.strip() for l in open(codes_file)]
position = {}
duplicates = 0
for i, text in enumerate(users):
    if text in position: duplicates += 1
    position.setdefault(text, i)
lost = [t for t in acked if t not in position]
violations = 0
for sender in {re.match(r"kill-test s(\d+) ", t).group(1) for t in acked}:
    mine = sorted((int(t.split("#")[1]), position[t]) for t in acked if t.startswith(f"kill-test s{sender} #") and t in position)
    violations += sum(1 for a, b in zip(mine, mine[1:]) if b[1] < a[1])
print(json.dumps({"run": int(run), "sent": len(codes), "acknowledged": len(acked), "stored_user_messages": len(users),
    "lost": len(lost), "order_violations": violations, "duplicates": duplicates,
    "http_500": codes.count("500"), "other_non_200": sum(1 for c in codes if c not in ("200", "500"))}))
PY
)
  echo "$result"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["lost"]==r["order_violations"]==r["duplicates"]==r["http_500"]==0 and r["acknowledged"]>0 else 1)' "$result" || failed=1
  stop_all
done
exit $failed
