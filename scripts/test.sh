#!/usr/bin/env bash
# Run every test tier: unit, gl (EGL on Mesa llvmpipe), window (Xvfb), lm (the embedded model),
# xr (Monado, built once from Debian's source package and cached outside the checkout).
# Run scripts/setup.sh first. Fails on a lint, format or type error, or if any tier could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
export HETEROCOSM_CI_CACHE=${HETEROCOSM_CI_CACHE:-$HOME/.cache/heterocosm-ci}

bash scripts/build_monado.sh
bash scripts/build_llama_cpp.sh .venv

# Static checks first (configured in pyproject.toml): lint, formatting, types.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

export HETEROCOSM_REQUIRE_ALL_TIERS=1
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
