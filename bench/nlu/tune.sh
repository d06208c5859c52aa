#!/usr/bin/env bash
# Chooses NLU v1 settings by cross-validation on training files only (see bench/nlu/Tune.cs).
# Usage: bench/nlu/tune.sh [DATASETS]   (default ../shared/datasets beside the repo root)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
dotnet run -c Release bench/nlu/Tune.cs -- "${1:-../shared/datasets}"
