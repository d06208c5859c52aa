#!/usr/bin/env bash
# Installs the npm packages the socket.io tests run (tests/Kefu.Server.Tests/Channels/SocketIO): socket.io-client, the
# reference Socket.IO v4 client (Engine.IO v4 protocol), under node; and rasa-webchat, the Rasa chat widget, whose
# lib/index.js is a standalone browser bundle (React and socket.io-client 3 inside) that the browser test serves to
# Chromium: only that file is taken (npm pack), not the package's build-time dependencies. Pinned so that a test
# failure is never a new release's. Into a folder outside git, ${KEFU_NODE_MODULES_DIR:-~/.cache/kefu/node}, which the
# tests read from the same variable. Idempotent; without node or npm it says so and the tests that need them skip.
set -euo pipefail
dir=${KEFU_NODE_MODULES_DIR:-$HOME/.cache/kefu/node}
packages=(socket.io-client@4.8.1)
command -v node >/dev/null && command -v npm >/dev/null || { echo "socketio-client: node or npm is missing; the socket.io client tests will skip" >&2; exit 0; }
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"kefu-test-node-packages","private":true}' >"$dir/package.json"
for package in "${packages[@]}"; do
  name=${package%@*}
  version=${package##*@}
  installed=$(node -p "try { require('$dir/node_modules/$name/package.json').version } catch { '' }")
  [ "$installed" = "$version" ] && continue
  npm install --prefix "$dir" --no-audit --no-fund --silent "$package" >&2 || echo "socketio-client: npm could not install $package; the tests that need it will skip" >&2
done
webchat=rasa-webchat@1.0.1
if [ ! -f "$dir/$webchat/index.js" ]; then
  work=$(mktemp -d)
  if (cd "$work" && npm pack --silent "$webchat" >/dev/null && tar xzf rasa-webchat-*.tgz package/lib/index.js); then
    mkdir -p "$dir/$webchat" && mv "$work/package/lib/index.js" "$dir/$webchat/index.js"
  else
    echo "socketio-client: npm could not fetch $webchat; the rasa-webchat browser test will skip" >&2
  fi
  rm -rf "$work"
fi
echo "socketio-client: npm packages in $dir" >&2
