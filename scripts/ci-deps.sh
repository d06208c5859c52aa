#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, each thing checked on its own: Debian's Chromium and its driver
# for the browser tests (web chat, report.html) with a CJK font for their screenshots, python3 with scikit-learn,
# the oracle of the classification-report test, and python3 with PyTorch (and the threaded OpenBLAS it runs on best),
# the from-scratch RoBERTa the tiny RoBERTa encoder is compared with, and python3 with sentencepiece, which makes the
# nmt_nfkc map of the Precompiled normalizer test. Idempotent; installs only what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
# Debian's package installs for /usr/bin/python3; the test also tries python3 on PATH first.
/usr/bin/python3 -c "import sklearn" 2>/dev/null || missing+=(python3-sklearn)
/usr/bin/python3 -c "import torch" 2>/dev/null || missing+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || missing+=(libopenblas0-pthread)
/usr/bin/python3 -c "import sentencepiece" 2>/dev/null || missing+=(python3-sentencepiece)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "ci-deps: missing ${missing[*]} and not root; the tests that need them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
