#!/usr/bin/env bash
# Decoding speed, one stream, greedy with a KV cache: a GPT-2-small-shaped model (124M parameters) and a
# Qwen2.5-0.5B-shaped one (494M), random weights, a 16-token prompt and 64 new tokens, on Kefu (GenerationBench) and on
# PyTorch eager CPU (torch_peer.py, the same shapes written from scratch), one after the other per model and round.
# Figures: decode tokens/s (the 63 tokens after the first, median over rounds), prefill ms, peak RSS.
# Usage: bench/generation/run.sh [THREADS] [ROUNDS]   (defaults 2 and 3); raw JSON lines go to bench/out/generation/.
# Needs: .NET 10 SDK; apt-get install -y python3-torch libopenblas0-pthread (without OpenBLAS torch is ~20x slower).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
threads=${1:-2}
rounds=${2:-3}
out=bench/out/generation
mkdir -p "$out"
dotnet build bench/generation/GenerationBench -c Release -v quiet -nologo > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
bench=bench/generation/GenerationBench/bin/Release/net10.0/GenerationBench.dll
for model in gpt2 qwen2; do
  echo "load before $model: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  dotnet "$bench" "$model" --threads "$threads" --rounds "$rounds" | tee -a "$out/results.jsonl"
  /usr/bin/python3 bench/generation/torch_peer.py "$model" --threads "$threads" --rounds "$rounds" | tee -a "$out/results.jsonl"
done
