#!/usr/bin/env bash
# Kefu.Numerics beside its peers, alternating in one run: `kefu bench numerics --json`, OpenBLAS SGEMM
# (numpy, Debian libopenblas0-pthread) and the same encoder step in PyTorch CPU (Debian python3-torch),
# all on 2 threads. Prints medians over ROUNDS rounds and Kefu's ratio for docs/benchmarks.md.
# Usage: bench/numerics/run.sh [ROUNDS]   (default 3)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
rounds=${1:-3}
python=/usr/bin/python3  # Debian's: sees python3-numpy / python3-torch
out=bench/out/numerics
mkdir -p "$out"
if ! "$python" -c 'import numpy, torch' 2>/dev/null; then
  apt-get update -q && apt-get install -y -q python3-numpy python3-torch libopenblas0-pthread
fi
dotnet build src/Kefu.Cli -c Release -v quiet -nologo > "$out/build.log"
: > "$out/kefu.jsonl"; : > "$out/openblas.jsonl"; : > "$out/torch.jsonl"
for _ in $(seq "$rounds"); do
  dotnet run --no-build --project src/Kefu.Cli -c Release -- bench numerics --json | tail -n 1 >> "$out/kefu.jsonl"
  OPENBLAS_NUM_THREADS=2 "$python" bench/numerics/gemm_peer.py --threads 2 | tail -n 1 >> "$out/openblas.jsonl"
  "$python" bench/numerics/encoder_peer.py --json | tail -n 1 >> "$out/torch.jsonl"
done
"$python" - "$out" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
def rows(name): return [json.loads(l) for l in open(os.path.join(out, name + ".jsonl")) if l.strip()]
def med(rs, key): return statistics.median(r[key] for r in rs)
kefu, blas, torch = rows("kefu"), rows("openblas"), rows("torch")
print(f"load average {os.getloadavg()[0]:.1f}, {len(kefu)} rounds, medians\n")
print("| figure | Kefu | peer | Kefu / peer |")
print("|---|---|---|---|")
for key in ("gemm_gflops_1024", "gemm_gflops_2048"):
    k, p = med(kefu, key), med(blas, key)
    print(f"| {key} (GFLOP/s, higher is better) | {k:.1f} | OpenBLAS {p:.1f} | {k / p:.2f}× |")
for key in ("encoder_train_step_ms", "encoder_infer_ms"):
    k, p = med(kefu, key), med(torch, key)
    print(f"| {key} (lower is better) | {k:.3f} | PyTorch {p:.3f} | {p / k:.2f}× faster |")
print(f"| allocated_bytes_per_step | {med(kefu, 'allocated_bytes_per_step'):.0f} | – | – |")
PY
