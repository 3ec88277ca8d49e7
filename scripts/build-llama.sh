#!/usr/bin/env bash
# Build (once) a llama-cpp-python wheel that runs on CPUs advertising AMX they refuse,
# cache it outside the repo keyed by version + build flags, and print the wheel's path.
# A cached wheel is used only if its sha256 matches the one recorded when it was built.
set -euo pipefail
PY=${PYTHON:-python3}
VERSION=${LLAMA_CPP_VERSION:-0.3.36}
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
KEY=$(printf '%s|%s|%s' "$VERSION" "$CMAKE_ARGS" "$($PY -c 'import sys;print(sys.version_info[:2])')" | sha256sum | cut -c1-16)
DIR=${CHATREC_CACHE:-$HOME/.cache/chatrec}/wheels/llama-cpp-python-$VERSION-$KEY
verify() {
  local whl
  whl=$(ls "$DIR"/llama_cpp_python-*.whl 2>/dev/null | head -n1) || return 1
  [ -n "$whl" ] && [ -f "$DIR/SHA256SUM" ] && (cd "$DIR" && sha256sum --quiet -c SHA256SUM) >/dev/null 2>&1 && echo "$whl"
}
if whl=$(verify); then echo "$whl"; exit 0; fi
echo "building llama-cpp-python $VERSION (takes ~8 min on 2 cores) into $DIR" >&2
rm -rf "$DIR" "$DIR.tmp"; mkdir -p "$DIR.tmp"
CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) $PY -m pip wheel --no-cache-dir --no-deps -w "$DIR.tmp" "llama-cpp-python==$VERSION" >&2
(cd "$DIR.tmp" && sha256sum llama_cpp_python-*.whl > SHA256SUM)
mv "$DIR.tmp" "$DIR"
verify
