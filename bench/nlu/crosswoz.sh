#!/usr/bin/env bash
# CrossWOZ dialog-act F1 (`kefu bench crosswoz`, docs/benchmarks.md "CrossWOZ (issue 14)"), 2 cores, one run at a time.
# The shared dev file's 500 dialogues, in file order: train 0-399 and test 400-499 (the target protocol); settings are
# chosen on a validation split of the training dialogues only (train 0-339, validate 340-399), never on 400-499.
#   val  NAME...   each NAME on the validation split
#   test NAME...   each NAME on the test split
#   tune [NAME...] the DIET variants in TUNE below (or those named) on the validation split
# NAME: linear (Kefu's linear NLU, --pipeline default) or a config in bench/nlu/configs/ (e.g. crosswoz-diet for
# bench/nlu/configs/crosswoz-diet.yml). Usage: bench/nlu/crosswoz.sh val linear crosswoz-diet
# EXTRA_ARGS: more options for every run (e.g. "--part-threshold 0.4").
# Raw output in bench/out/nlu-crosswoz/: SPLIT.NAME.json (the figures, last line), .err (progress), .time (wall, cpu),
# .predictions.jsonl (each test message's gold and predicted acts).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
data=${KEFU_DATASETS:-../shared/datasets}/crosswoz/dev.json
out=bench/out/nlu-crosswoz
mkdir -p "$out"
dotnet build src/Kefu.Cli -c Release -v quiet -nologo > "$out/build.log" 2>&1
stamp() { echo "$(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"; }

run() {   # SPLIT NAME [CONFIG]
  local split=$1 name=$2 config=${3:-} ranges
  case $split in
    val)  ranges=(--train-dialogues 0:340 --test-dialogues 340:400) ;;
    test) ranges=(--train-dialogues 0:400 --test-dialogues 400:500) ;;
  esac
  local pipeline=(--pipeline default)
  [ "$name" = linear ] || pipeline=(--config "${config:-bench/nlu/configs/$name.yml}")
  echo "[$split.$name] start $(stamp)"
  /usr/bin/time -f '{"wall_s": %e, "cpu_s": %U, "sys_s": %S, "max_rss_kb": %M}' -o "$out/$split.$name.time" \
    dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll bench crosswoz --train "$data" --test "$data" "${ranges[@]}" \
    "${pipeline[@]}" ${EXTRA_ARGS:-} --json --predictions "$out/$split.$name.predictions.jsonl" \
    > "$out/$split.$name.json" 2> "$out/$split.$name.err"
  echo "[$split.$name] end $(stamp): $(tail -n 1 "$out/$split.$name.json") $(cat "$out/$split.$name.time")"
}

# DIETClassifier variants tried on the validation split: NAME|options, one YAML flow mapping each
TUNE=(
  "sim-e40|{epochs: 40, intent_head: similarity}"
  "softmax-e40|{epochs: 40, intent_head: softmax}"
  "sim-e40-emb64|{epochs: 40, intent_head: similarity, embedding_dimension: 64}"
  "softmax-e40-drop1|{epochs: 40, intent_head: softmax, drop_rate: 0.1}"
  "softmax-e40-ent2|{epochs: 40, intent_head: softmax, entity_loss_weight: 2}"
  "softmax-e40-h256|{epochs: 40, intent_head: softmax, transformer_size: 256, number_of_attention_heads: 4}"
  "softmax-e80|{epochs: 80, intent_head: softmax}"
  "softmax-e40-h256-lr5|{epochs: 40, intent_head: softmax, transformer_size: 256, learning_rate: 0.0005}"
  "softmax-e40-drop3|{epochs: 40, intent_head: softmax, drop_rate: 0.3}"
)

what=${1:-}
shift || true
case $what in
  val|test) for name in "$@"; do run "$what" "$name"; done ;;
  tune)
    for variant in "${TUNE[@]}"; do
      name=${variant%%|*} options=${variant#*|}
      [ $# -eq 0 ] || [[ " $* " == *" $name "* ]] || continue
      config="$out/tune.$name.yml"
      printf 'language: zh\npipeline:\n  - name: DIETClassifier\n' > "$config"
      echo "$options" | tr -d '{}' | tr ',' '\n' | sed 's/^ */    /' >> "$config"
      run val "$name" "$config"
    done ;;
  *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
