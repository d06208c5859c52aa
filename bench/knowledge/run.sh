#!/usr/bin/env bash
# Knowledge figures (docs/benchmarks.md, "Knowledge"), one after the other, never in parallel:
#  1. BM25 over 100,000 passages (zh and en), query p50/p99       -> KnowledgeBench bm25
#  2. CrossWOZ graph: typed queries and whole questions, p50/p99  -> KnowledgeBench graph (SQLite, then PostgreSQL)
#  3. FAQ retrieval on held-out paraphrases, top-1/top-3/MRR      -> kefu kb eval (BM25, and hybrid where an encoder applies)
# Usage: bench/knowledge/run.sh   (raw JSON lines go to bench/out/knowledge/results.jsonl)
# Needs: .NET 10 SDK, ../shared/datasets (crosswoz, banking77, clinc150, hwu64), ../shared/models/all-MiniLM-L6-v2.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
out=bench/out/knowledge
mkdir -p "$out"
dotnet build bench/knowledge/KnowledgeBench -c Release -v quiet -nologo > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
dotnet build src/Kefu.Cli -c Release -v quiet -nologo >> "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
bench="dotnet bench/knowledge/KnowledgeBench/bin/Release/net10.0/KnowledgeBench.dll"
kefu="dotnet src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll"
minilm=../shared/models/all-MiniLM-L6-v2
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
$bench bm25 zh | tee -a "$out/results.jsonl"
$bench bm25 en | tee -a "$out/results.jsonl"
$bench graph | tee -a "$out/results.jsonl"
# The same on PostgreSQL (PostgresGraphStore), where scripts/ci-deps.sh's test server (or KEFU_TEST_POSTGRES) answers.
pg=${KEFU_TEST_POSTGRES:-"Host=127.0.0.1;Port=5433;Username=kefu;Password=kefu;Database=kefu_test"}
$bench graph --postgres "$pg" | tee -a "$out/results.jsonl" || echo "graph on PostgreSQL: not measured (no server at $pg)" >&2
for set in validation heldout; do
  $kefu kb eval --faq samples/travel-zh/knowledge/faq.yml --heldout samples/travel-zh/tests/faq_$set.csv --json | sed "s/^{/{\"faq\":\"travel-zh $set\",/" | tee -a "$out/results.jsonl"
  $kefu kb eval --faq samples/banking-en/knowledge/faq.yml --heldout samples/banking-en/tests/faq_$set.csv --json | sed "s/^{/{\"faq\":\"banking-en $set\",/" | tee -a "$out/results.jsonl"
  $kefu kb eval --faq samples/banking-en/knowledge/faq.yml --heldout samples/banking-en/tests/faq_$set.csv --encoder "$minilm" --mix-weight 0.9 --json | sed "s/^{/{\"faq\":\"banking-en $set\",/" | tee -a "$out/results.jsonl"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
