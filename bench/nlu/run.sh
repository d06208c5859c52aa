#!/usr/bin/env bash
# Kefu's `nlu bench` beside scikit-learn and NLP.js on banking77 (train -> test) and clinc150
# (train -> val, oos as a class). Prints one markdown table per dataset for docs/benchmarks.md.
# wall s and cpu s (user + system) are whole processes; cpu s is steadier on a shared machine.
# Usage: bench/nlu/run.sh            (from anywhere; data from ../shared/datasets beside the repo root)
# Env: KEFU_DATASETS (data folder), PEER_TIMEOUT_S (per run, default 1800),
#      SYSTEMS (default "kefu sklearn nlpjs"; NLP.js takes minutes on clinc150).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
data=${KEFU_DATASETS:-../shared/datasets}
out=bench/out/nlu
timeout_s=${PEER_TIMEOUT_S:-1800}
python=/usr/bin/python3  # Debian's, for python3-sklearn; a pyenv python3 on PATH lacks it
mkdir -p "$out"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! "$python" -c 'import sklearn' 2>/dev/null; then
  as_root apt-get update -q && as_root apt-get install -y -q python3-sklearn
fi
case " ${SYSTEMS:-nlpjs} " in *" nlpjs "*)
  [ -d bench/nlu/node_modules/node-nlp ] || (cd bench/nlu && npm ci --no-audit --no-fund) ;; esac
# Built once so that Kefu's wall time below is the run, not the compilation.
kefu_built=yes
dotnet build src/Kefu.Cli -c Release -v quiet -nologo > "$out/kefu-build.log" 2>&1 || kefu_built=no

# run NAME DATASET ARGS...: writes $out/DATASET.NAME.{json,err,time}; a failure leaves no .json.
run() {
  local name=$1 dataset=$2; shift 2
  local base="$out/$dataset.$name"
  rm -f "$base.json"
  if [ "$name" = kefu ] && [ "$kefu_built" = no ]; then
    cp "$out/kefu-build.log" "$base.err"; return
  fi
  case $name in
    kefu)    set -- dotnet run --no-build --project src/Kefu.Cli -c Release -- nlu bench "$@" ;;
    sklearn) set -- "$python" bench/nlu/sklearn_peer.py "$@" ;;
    nlpjs)   set -- node bench/nlu/nlpjs_peer.js "$@" ;;
  esac
  if /usr/bin/time -f "%e %U %S" -o "$base.time" timeout "$timeout_s" "$@" --json > "$base.out" 2> "$base.err"; then
    tail -n 1 "$base.out" > "$base.json"
  fi
}

# table DATASET: one markdown row per system from the JSON files; "failed" when there is none.
table() {
  "$python" - "$out" "$1" <<'PY'
import json, os, sys
out, dataset = sys.argv[1:]
names = {"kefu": "Kefu", "sklearn": "scikit-learn TF-IDF + LinearSVC", "nlpjs": "NLP.js NlpManager"}
def cell(row, key, digits):
    value = row.get(key)
    return "–" if value is None else f"{value:.{digits}f}"
print(f"\n**{dataset}**\n")
print("| system | accuracy | macro F1 | in-scope acc | oos recall | train s | p50 ms | p99 ms | wall s | cpu s |")
print("|---|---|---|---|---|---|---|---|---|---|")
systems = os.environ.get("SYSTEMS", "kefu sklearn nlpjs").split()
for key, name in names.items():
    if key not in systems:
        continue
    base = os.path.join(out, f"{dataset}.{key}")
    try:
        with open(base + ".json") as f:
            row = json.load(f)
    except (OSError, ValueError):
        print(f"| {name} | failed (see {base}.err) |" + " |" * 8)
        continue
    with open(base + ".time") as f:
        wall, user, system = map(float, f.read().split()[-3:])  # last line; earlier ones are time's notes
    row["wall"], row["cpu"] = wall, user + system
    cells = [cell(row, "accuracy", 3), cell(row, "macro_f1", 3), cell(row, "in_scope_accuracy", 3),
             cell(row, "oos_recall", 3), cell(row, "train_seconds", 1), cell(row, "latency_p50_ms", 2),
             cell(row, "latency_p99_ms", 2), cell(row, "wall", 1), cell(row, "cpu", 1)]
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
}

for system in ${SYSTEMS:-kefu sklearn nlpjs}; do
  run "$system" banking77 --train "$data/banking77/train.csv" --test "$data/banking77/test.csv"
  run "$system" clinc150 --train "$data/clinc150/train.csv" --test "$data/clinc150/val.csv" --oos-label oos
done

echo "$(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "scikit-learn $("$python" -c 'import sklearn; print(sklearn.__version__)')," \
  "node-nlp $(node -p 'try { require("./bench/nlu/node_modules/node-nlp/package.json").version } catch { "not run" }'), node $(node --version)"
table banking77
table clinc150
