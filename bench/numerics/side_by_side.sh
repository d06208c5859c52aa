#!/bin/bash
# Runs `kefu bench numerics --json` and the PyTorch peer alternately, so both see the same machine load; one line
# per run: round, who, the 1-minute load average, the JSON. Report medians per side over the rounds.
#   bench/numerics/side_by_side.sh [rounds] [baseline Kefu.Cli.dll, e.g. a copy of an older build's output]
# Example: cp -r src/Kefu.Cli/bin/Release/net10.0 /tmp/kefu-old  (on the old commit), then on the new one
#   dotnet build src/Kefu.Cli -c Release && bench/numerics/side_by_side.sh 4 /tmp/kefu-old/Kefu.Cli.dll
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
baseline=${2:-}
current=src/Kefu.Cli/bin/Release/net10.0/Kefu.Cli.dll
[ -f "$current" ] || dotnet build src/Kefu.Cli -c Release >/dev/null
for round in $(seq 1 "$rounds"); do
  if [ -n "$baseline" ]; then
    echo "$round baseline load=$(cut -d' ' -f1 /proc/loadavg) $(dotnet "$baseline" bench numerics --json)"
  fi
  echo "$round kefu load=$(cut -d' ' -f1 /proc/loadavg) $(dotnet "$current" bench numerics --json)"
  echo "$round peer load=$(cut -d' ' -f1 /proc/loadavg) $(/usr/bin/python3 bench/numerics/encoder_peer.py --json)"
done
