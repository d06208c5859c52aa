#!/usr/bin/env bash
# CrossWOZ system NLG (issue 17): a decoder trained from scratch on the system turns of the first 400 dialogues of
# ../shared/datasets/crosswoz/dev.json, tested on the other 100, scored as ConvLab-2's SC-LSTM evaluation scores
# (docs/generation.md, "CrossWOZ system NLG"). Extra arguments go to `kefu bench crosswoz-nlg` (e.g. --epochs 20).
# Usage: bench/generation/crosswoz_nlg.sh [ARGS...]; JSON lines go to bench/out/generation/crosswoz-nlg.jsonl.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
data=${CROSSWOZ:-../shared/datasets/crosswoz/dev.json}
out=bench/out/generation
mkdir -p "$out"
dotnet build src/Kefu.Cli -c Release -v quiet -nologo > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll bench crosswoz-nlg --train "$data" --test "$data" \
  --train-dialogues 0:400 --test-dialogues 400:500 --predictions "$out/crosswoz-nlg-predictions.jsonl" --json "$@" \
  | tee -a "$out/crosswoz-nlg.jsonl"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
