#!/usr/bin/env bash
# travel-zh answer accuracy through the REST webhook (docs/benchmarks.md, "Knowledge"): starts `kefu serve` on
# samples/travel-zh (training it first when its model is stale), runs travel_eval.py against it, stops it.
# Usage: bench/knowledge/travel.sh [PORT] [PER_KIND] [SEED]   (defaults 5710, 150, 7); JSON goes to bench/out/knowledge/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
port=${1:-5710}
per_kind=${2:-150}
seed=${3:-7}
out=bench/out/knowledge
mkdir -p "$out"
dotnet build src/Kefu.Cli -c Release -v quiet -nologo > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll serve --project samples/travel-zh --port "$port" > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  kill -0 $server 2>/dev/null || { cat "$out/serve.log"; exit 1; }
  sleep 0.5
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 bench/knowledge/travel_eval.py --url "http://127.0.0.1:$port" --per-kind "$per_kind" --seed "$seed" --show-misses | tee -a "$out/travel.jsonl"
