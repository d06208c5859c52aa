#!/usr/bin/env bash
# Throughput and latency of the real bot, side by side in one run:
#   sqlite     one `kefu serve` on its SQLite file (the default), no proxy
#   postgres-1 one `kefu serve` on PostgreSQL (tracker_store only, in-process locks), no proxy: what the store costs
#   shared-1   one replica on PostgreSQL + Redis behind nginx (what the shared stores and the proxy cost)
#   shared-2   two replicas on PostgreSQL + Redis behind nginx (round-robin)
# each measured by bench/server/run.sh (wrk, 64 connections, 1,000 conversations). Needs PostgreSQL and Redis (the ones
# scripts/ci-deps.sh starts), nginx-light and wrk; kefu built with `dotnet build Kefu.slnx -c Release`.
#
#   bench/server/replicas.sh [--sample ecommerce-zh] [--duration 20s] [--warmup 15s]
# Prints one JSON line per configuration.
set -euo pipefail
cd "$(dirname "$0")/../.."
sample=ecommerce-zh duration=20s warmup=15s
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sample) sample="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }
workdir=$(mktemp -d)
source bench/server/replicas-lib.sh
trap 'stop_all; rm -rf "$workdir"' EXIT

measure() { # name url
  local line
  line=$(bench/server/run.sh --url "$2" --duration "$duration" --warmup "$warmup" | tail -1)
  echo "{\"configuration\":\"$1\",${line#\{}"
}

prepare_project "$sample" sqlite ""
start_replica 5761
measure sqlite http://127.0.0.1:5761
stop_all

prepare_project "$sample" postgres kefu_bench_replicas
start_replica 5761
measure postgres-1 http://127.0.0.1:5761
stop_all

prepare_project "$sample" shared kefu_bench_replicas
start_replica 5761
start_nginx 5760 5761
measure shared-1 http://127.0.0.1:5760
stop_all

prepare_project "$sample" shared kefu_bench_replicas # a fresh database: conversations as long as in the other runs
start_replica 5761
start_replica 5762
start_nginx 5760 5761 5762
measure shared-2 http://127.0.0.1:5760
