#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK: Debian's Chromium and its driver for the web-chat
# browser tests (and a CJK font for their screenshots). Idempotent; does nothing when they are already there.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "ci-deps: chromium/chromedriver missing and not root; browser tests will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
