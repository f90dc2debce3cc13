#!/usr/bin/env bash
# Build llama-cpp-python (with its OpenAI-compatible server) as a wheel once, cache the wheel
# outside the checkout, and install it into a venv. A second run finds the cached wheel and skips
# the ~6 minute compile.
#
# Usage: scripts/build_llama_cpp.sh [VENV_DIR]     (default: .venv)
# Cache: ${HETEROCOSM_CI_CACHE:-$HOME/.cache/heterocosm-ci}/wheels/
#
# Why these flags: the default native build (GGML_NATIVE=ON) crashed at the first token on the
# build machines; a portable AVX2/FMA/F16C build runs there.
set -euo pipefail

VENV_DIR="${1:-.venv}"
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.16}"
CACHE_DIR="${HETEROCOSM_CI_CACHE:-$HOME/.cache/heterocosm-ci}/wheels"
PYTHON="$VENV_DIR/bin/python"

if [ ! -x "$PYTHON" ]; then
    echo "error: no Python at $PYTHON; pass the venv directory as the first argument" >&2
    exit 2
fi
mkdir -p "$CACHE_DIR"

wheel_glob="$CACHE_DIR/llama_cpp_python-${LLAMA_CPP_PYTHON_VERSION}-*.whl"
# shellcheck disable=SC2086
wheel=$(ls $wheel_glob 2>/dev/null | head -n 1 || true)

if [ -z "$wheel" ]; then
    echo "building llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} (about 6 minutes) into $CACHE_DIR"
    build_dir=$(mktemp -d)
    trap 'rm -rf "$build_dir"' EXIT
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "$PYTHON" -m pip wheel --no-deps --no-binary llama-cpp-python \
        --wheel-dir "$build_dir" "llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION}"
    built=$(ls "$build_dir"/llama_cpp_python-*.whl | head -n 1)
    # Copy then rename so a half-written wheel is never taken for a finished one.
    cp "$built" "$CACHE_DIR/.partial.whl"
    mv "$CACHE_DIR/.partial.whl" "$CACHE_DIR/$(basename "$built")"
    wheel="$CACHE_DIR/$(basename "$built")"
else
    echo "using cached wheel $wheel"
fi

# The [server] extra pulls uvicorn, fastapi, sse-starlette and pydantic-settings from PyPI.
"$PYTHON" -m pip install "${wheel}[server]"
"$PYTHON" -c "import llama_cpp, llama_cpp.server; print('llama-cpp-python', llama_cpp.__version__)"
