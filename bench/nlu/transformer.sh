#!/usr/bin/env bash
# Pretrained transformers through Kefu's own commands, 2 cores, one after another (each wants the whole machine):
#   banking77  `kefu nlu bench --config bench/nlu/configs/minilm.yml` (train -> test), whole process timed
#   clinc150   the same config, train -> val, --oos-label oos
#   distill    a banking77 teacher (`kefu model finetune`), then `kefu model distill` against the test file
#   tune       the config's settings on a validation split of banking77's training file (never the test file)
#   oos-scores out-of-scope scores compared (bench/nlu/oos-scores.cs) on a clinc150 model fine-tuned on in-scope training data
# Usage: bench/nlu/transformer.sh [banking77|clinc150|distill|tune|oos-scores]...   (default: banking77 clinc150 distill)
# Raw output in bench/out/nlu-transformer/. Needs ../shared/models/all-MiniLM-L6-v2 and ../shared/datasets.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
data=${KEFU_DATASETS:-../shared/datasets}
model=${KEFU_MINILM:-../shared/models/all-MiniLM-L6-v2}
out=bench/out/nlu-transformer
mkdir -p "$out"
dotnet build src/Kefu.Cli -c Release -v quiet -nologo > "$out/build.log" 2>&1
kefu() { dotnet run --no-build --project src/Kefu.Cli -c Release -- "$@"; }
stamp() { echo "$(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"; }

run_bench() {   # NAME ARGS...: JSON on the last stdout line, wall and cpu seconds beside it
  local name=$1; shift
  echo "[$name] start $(stamp)"
  /usr/bin/time -f '{"wall_s": %e, "cpu_s": %U, "sys_s": %S, "max_rss_kb": %M}' -o "$out/$name.time" \
    dotnet run --no-build --project src/Kefu.Cli -c Release -- nlu bench --config bench/nlu/configs/minilm.yml --json "$@" \
    > "$out/$name.json" 2> "$out/$name.err"
  echo "[$name] end $(stamp): $(tail -n 1 "$out/$name.json") $(cat "$out/$name.time")"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(banking77 clinc150 distill)
for what in "${targets[@]}"; do
  case $what in
    banking77) run_bench banking77 --train "$data/banking77/train.csv" --test "$data/banking77/test.csv" ;;
    clinc150)  run_bench clinc150 --train "$data/clinc150/train.csv" --test "$data/clinc150/val.csv" --oos-label oos ;;
    distill)
      echo "[distill] teacher start $(stamp)"
      kefu model finetune --model "$model" --train "$data/banking77/train.csv" --out "$out/teacher" \
        --epochs 5 --learning-rate 1.5e-4 --batch-size 16 --pooling Mean --label-smoothing 0.1 --freeze-embeddings --json \
        > "$out/teacher.json" 2> "$out/teacher.err"
      echo "[distill] student start $(stamp)"
      kefu model distill --teacher "$out/teacher" --train "$data/banking77/train.csv" --test "$data/banking77/test.csv" \
        --out "$out/student" --student "${STUDENT:-1}" --epochs 5 --learning-rate 3e-4 --json > "$out/distill.json" 2> "$out/distill.err"
      echo "[distill] end $(stamp): $(cat "$out/distill.json")" ;;
    tune)
      /usr/bin/python3 bench/nlu/split_csv.py "$data/banking77/train.csv" "$out/split"
      kefu model finetune --model "$model" --train "$out/split/train.csv" --val "$out/split/val.csv" --out "$out/tuned" \
        ${TUNE_ARGS:---epochs 5 --learning-rate 1.5e-4 --batch-size 16 --pooling Mean --label-smoothing 0.1 --freeze-embeddings} \
        --json 2>&1 | tee "$out/tune.log" | grep -E '^\[kefu\] epoch [0-9]+:|^\{' ;;
    oos-scores)
      # as TransformerClassifier with --oos-label: every 10th in-scope example and all oos ones held out (CSV lines end in CRLF)
      /usr/bin/python3 bench/nlu/split_csv.py "$data/clinc150/train.csv" "$out/oos-split"
      (head -n 1 "$out/oos-split/train.csv"; tail -n +2 "$out/oos-split/train.csv" | grep -v $',oos\r\\?$') > "$out/oos-split/in-scope.csv"
      (cat "$out/oos-split/val.csv"; grep $',oos\r\\?$' "$out/oos-split/train.csv") > "$out/oos-split/held.csv"
      kefu model finetune --model "$model" --train "$out/oos-split/in-scope.csv" --out "$out/oos-model" --epochs 5 --learning-rate 1.5e-4 \
        --batch-size 16 --pooling Mean --label-smoothing 0.1 --freeze-embeddings --max-length 64 --json > "$out/oos-model.json" 2> "$out/oos-model.err"
      dotnet run bench/nlu/oos-scores.cs -c Release -- "$out/oos-model" "$out/oos-split/in-scope.csv" "$out/oos-split/held.csv" \
        "$data/clinc150/val.csv" ${OOS_VAL:-} | tee "$out/oos-scores.txt" ;;
    *) echo "unknown benchmark '$what'" >&2; exit 2 ;;
  esac
done
