#!/usr/bin/env bash
# What each `kefu data augment` method adds (bench/nlu/Augment.cs). Validation only by default;
# `--test METHODS...` scores the chosen methods once on the test files (PER_EXAMPLE=N, default 2).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
dotnet run -c Release bench/nlu/Augment.cs -- "$@"
