#!/usr/bin/env bash
# Build the Monado OpenXR runtime from Debian's next-release (trixie) source package on Debian 12.
#
# Owns: the cached Monado build used by the `xr` test tier and `bench/xr.py`. It installs into
#   ${HETEROCOSM_CI_CACHE:-$HOME/.cache/heterocosm-ci}/monado (outside the checkout) and writes the
#   runtime manifest there as openxr_monado.json; point XR_RUNTIME_JSON at it.
# Must not: write a mirror host name into the repository (the host is read from this machine's own
#   apt sources), touch the checkout, or rebuild when a complete cached build already exists.
#
# Monado is built as an in-process runtime (no service, no IPC) with the null compositor and the
# simulated HMD, which is all the tests need (XRT_COMPOSITOR_NULL=1, EGL_PLATFORM=surfaceless).
# Run as root on a fresh Debian 12 machine; takes a few minutes on 2 cores the first time.
set -euo pipefail

# Bump when the build options below change, so an old cache is rebuilt.
BUILD_RECIPE_VERSION=1
SOURCE_SUITE=trixie
CACHE_ROOT="${HETEROCOSM_CI_CACHE:-$HOME/.cache/heterocosm-ci}"
INSTALL_DIR="$CACHE_ROOT/monado"
MANIFEST="$INSTALL_DIR/openxr_monado.json"
STAMP="$INSTALL_DIR/build-recipe-version"
SOURCES_FILE=/etc/apt/sources.list.d/heterocosm-monado-src.sources

RUNTIME_PACKAGES=(libvulkan1 mesa-vulkan-drivers)
# Only what an in-process runtime with the null and main compositors needs; optional Monado
# features (OpenCV, GStreamer, SDL, drivers for real hardware) are left out on purpose.
BUILD_PACKAGES=(
    ca-certificates dpkg-dev xz-utils g++ cmake ninja-build pkg-config python3 glslang-tools
    libvulkan-dev libegl1-mesa-dev libgl-dev libglvnd-dev libeigen3-dev libcjson-dev
    libx11-dev libx11-xcb-dev libxcb-randr0-dev libxrandr-dev libwayland-dev wayland-protocols
    libudev-dev libusb-1.0-0-dev
)

log() { echo "build_monado: $*" >&2; }

missing_packages() {
    local package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            echo "$package"
        fi
    done
}

install_packages() {
    local missing
    missing=$(missing_packages "$@")
    if [ -n "$missing" ]; then
        log "installing: $(echo "$missing" | tr '\n' ' ')"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2
    fi
}

# Print the URI of the Debian main archive this machine already uses (deb822 or one-line format).
debian_mirror_uri() {
    local codename files
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    files=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v "$(basename "$SOURCES_FILE")" || true)
    [ -n "$files" ] || return 0
    # shellcheck disable=SC2086
    awk -v codename="$codename" '
        function emit(uri) { if (!done && uri != "" && uri !~ /security/) { print uri; done = 1; exit } }
        # One-line format: deb [options] URI SUITE COMPONENTS...
        /^[[:space:]]*deb[[:space:]]/ {
            n = 0
            for (i = 2; i <= NF; i++) {
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; continue }
                fields[++n] = $i
            }
            if (n >= 2 && fields[2] == codename) emit(fields[1])
            next
        }
        # deb822 format: stanzas separated by blank lines.
        /^[[:space:]]*$/ { if (is_deb && suite_ok) emit(uri); is_deb = 0; suite_ok = 0; uri = ""; next }
        /^Types:/ { is_deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == codename) suite_ok = 1 }
        END { if (is_deb && suite_ok) emit(uri) }
    ' $files
}

if [ -f "$MANIFEST" ] && [ -f "$INSTALL_DIR/lib/libopenxr_monado.so" ] && [ -f "$STAMP" ] &&
    [ "$(cat "$STAMP")" = "$BUILD_RECIPE_VERSION" ]; then
    log "cached build found at $INSTALL_DIR; nothing to build"
    install_packages "${RUNTIME_PACKAGES[@]}"
    echo "$MANIFEST"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    log "error: run as root (it installs Debian packages and adds a deb-src entry)"
    exit 1
fi

mirror=$(debian_mirror_uri)
if [ -z "$mirror" ]; then
    log "error: no Debian archive for this release found in /etc/apt/sources.list*;"
    log "add the machine's Debian mirror there first"
    exit 1
fi
# Older Debian 12 keyrings predate trixie's signing keys; the point-release one has them.
apt-get update >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade debian-archive-keyring >&2
log "adding $SOURCE_SUITE deb-src entry for the mirror this machine already uses"
cat >"$SOURCES_FILE" <<EOF
Types: deb-src
URIs: $mirror
Suites: $SOURCE_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

apt-get update >&2
install_packages "${RUNTIME_PACKAGES[@]}" "${BUILD_PACKAGES[@]}"

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/heterocosm-monado.XXXXXX")
trap 'rm -rf "$work_dir"' EXIT
cd "$work_dir"
log "fetching the monado source package from $SOURCE_SUITE"
# Some mirrors serve the upstream tarball but not the .dsc; apt has already checked the tarball's
# hash against the signed Sources index, and the upstream tarball is all the cmake build needs.
apt-get source --download-only "monado/$SOURCE_SUITE" >&2 || true
tarball=$(ls monado_*.orig.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ]; then
    log "error: could not download the monado source package from $SOURCE_SUITE"
    exit 1
fi
mkdir source
tar -xf "$tarball" -C source --strip-components=1

log "configuring (in-process runtime, null compositor, simulated HMD)"
cmake -S source -B build -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$work_dir/install" \
    -DXRT_FEATURE_SERVICE=OFF \
    -DXRT_MODULE_IPC=OFF \
    -DXRT_MODULE_COMPOSITOR_MAIN=ON \
    -DXRT_MODULE_COMPOSITOR_NULL=ON \
    -DXRT_BUILD_DRIVER_SIMULATED=ON \
    -DXRT_MODULE_MONADO_CLI=OFF \
    -DXRT_MODULE_MONADO_GUI=OFF \
    -DXRT_FEATURE_STEAMVR_PLUGIN=OFF \
    -DXRT_MODULE_AUX_VIVE=OFF \
    -DBUILD_TESTING=OFF \
    -DBUILD_DOC=OFF \
    -DXRT_BUILD_SAMPLES=OFF \
    -DXRT_HAVE_OPENCV=OFF \
    -DXRT_HAVE_GST=OFF \
    -DXRT_HAVE_SDL2=OFF \
    -DXRT_BUILD_DRIVER_ARDUINO=OFF -DXRT_BUILD_DRIVER_DAYDREAM=OFF -DXRT_BUILD_DRIVER_TWRAP=OFF \
    -DXRT_BUILD_DRIVER_HDK=OFF -DXRT_BUILD_DRIVER_HYDRA=OFF -DXRT_BUILD_DRIVER_NS=OFF \
    -DXRT_BUILD_DRIVER_PSMV=OFF -DXRT_BUILD_DRIVER_PSSENSE=OFF -DXRT_BUILD_DRIVER_PSVR=OFF \
    -DXRT_BUILD_DRIVER_REMOTE=OFF -DXRT_BUILD_DRIVER_RIFT_S=OFF -DXRT_BUILD_DRIVER_ROKID=OFF \
    -DXRT_BUILD_DRIVER_STEAMVR_LIGHTHOUSE=OFF -DXRT_BUILD_DRIVER_VIVE=OFF \
    -DXRT_BUILD_DRIVER_WMR=OFF -DXRT_BUILD_DRIVER_XREAL_AIR=OFF -DXRT_BUILD_DRIVER_QWERTY=OFF \
    >&2
log "building with $(nproc) jobs"
cmake --build build --parallel "$(nproc)" >&2
cmake --install build >&2

# Move into the cache only once complete, so an interrupted build is never taken for a cached one.
mkdir -p "$CACHE_ROOT"
rm -rf "$INSTALL_DIR" "$INSTALL_DIR.partial"
cp -a install "$INSTALL_DIR.partial"
cat >"$INSTALL_DIR.partial/openxr_monado.json" <<EOF
{
    "file_format_version": "1.0.0",
    "runtime": {
        "name": "Monado",
        "library_path": "$INSTALL_DIR/lib/libopenxr_monado.so"
    }
}
EOF
echo "$BUILD_RECIPE_VERSION" >"$INSTALL_DIR.partial/build-recipe-version"
mv "$INSTALL_DIR.partial" "$INSTALL_DIR"
log "installed Monado into $INSTALL_DIR"
echo "$MANIFEST"
