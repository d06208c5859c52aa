#!/usr/bin/env bash
# Fine-tuning throughput of a GPT-2-small-shaped model (124M parameters, random weights), Kefu (GenerationBench --train)
# and PyTorch eager CPU (torch_train_peer.py) one after the other, ROUNDS times: full causal-LM steps on batch × seq tokens
# (forward, cross-entropy, backward, clipping, AdamW). Usage: bench/generation/train.sh [THREADS] [ROUNDS] [BATCH] [SEQ]
# (defaults 2, 1, 4, 128); JSON lines go to bench/out/generation/train.jsonl.
# Needs: .NET 10 SDK; apt-get install -y python3-torch libopenblas0-pthread.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
threads=${1:-2}; rounds=${2:-1}; batch=${3:-4}; seq=${4:-128}
out=bench/out/generation
mkdir -p "$out"
dotnet build bench/generation/GenerationBench -c Release -v quiet -nologo > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
bench=bench/generation/GenerationBench/bin/Release/net10.0/GenerationBench.dll
for round in $(seq "$rounds"); do
  echo "load before round $round: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  dotnet "$bench" gpt2 --train --threads "$threads" --batch "$batch" --seq "$seq" | tee -a "$out/train.jsonl"
  /usr/bin/python3 bench/generation/torch_train_peer.py --threads "$threads" --batch "$batch" --seq "$seq" | tee -a "$out/train.jsonl"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
