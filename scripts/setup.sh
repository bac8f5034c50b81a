#!/usr/bin/env bash
# Idempotent setup for building and testing fastgrnn-wasm on Debian 12.
#  - installs emscripten, libcjson-dev, cmake, chromium, python3-onnx, clang-19
#    and lld-19 (apt) when missing
#  - fetches cJSON's source (Debian source package) for the wasm build into
#    build/third_party/cjson/cjson/{cJSON.c,cJSON.h} (never committed)
#  - installs npm dev dependencies when node_modules is missing
# Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_update() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        $SUDO apt-get update -qq
        APT_UPDATED=1
    fi
}

# ---- system packages -------------------------------------------------------
need=()
command -v emcc >/dev/null 2>&1 || need+=(emscripten)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
[ -f /usr/include/cjson/cJSON.h ] || need+=(libcjson-dev)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
command -v make >/dev/null 2>&1 || need+=(make)
command -v cc >/dev/null 2>&1 || need+=(gcc)
# the C style of the project (scripts/check-format.sh, .clang-format)
command -v clang-format >/dev/null 2>&1 || need+=(clang-format)
# GNU time: peak resident memory of the streaming benchmark (bench/stream.js)
[ -x /usr/bin/time ] || need+=(time)
# headless browser for tests/browser/ (driven by npm playwright-core)
[ -x /usr/bin/chromium ] || need+=(chromium)
# clang 19 + wasm-ld 19 for dist/fastgrnn-relaxed.wasm (relaxed SIMD: Emscripten
# 3.1.6's clang 14 cannot emit it)
command -v clang-19 >/dev/null 2>&1 || need+=(clang-19)
command -v wasm-ld-19 >/dev/null 2>&1 || need+=(lld-19)
# clang + libFuzzer runtime for the fuzz targets (scripts/fuzz.sh)
command -v clang >/dev/null 2>&1 || need+=(clang)
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
# Fashion-MNIST (30 MB) for bench/real.js and its smoke test
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need+=(dataset-fashion-mnist)
# the onnx checker for tests/js/onnx.test.js (Debian's python3-onnx)
/usr/bin/python3 -c 'import onnx.checker' >/dev/null 2>&1 || need+=(python3-onnx)
if [ "${#need[@]}" -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    apt_update
    $SUDO apt-get install -y -qq "${need[@]}"
fi

# ---- cJSON source for the wasm build ----------------------------------------
TP="$ROOT/build/third_party"
CJ="$TP/cjson/cjson"
if [ ! -f "$CJ/cJSON.c" ] || [ ! -f "$CJ/cJSON.h" ]; then
    echo "setup: fetching cJSON source (Debian source package)"
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ \
        && ! grep -qs '^deb-src' /etc/apt/sources.list; then
        SRC=/etc/apt/sources.list.d/debian.sources
        if [ ! -f "$SRC" ]; then
            echo "setup: $SRC not found; cannot derive a deb-src entry" >&2
            exit 1
        fi
        # Same URIs/Suites/Components/Signed-By as the binary entries.
        sed -e 's/^Types:.*$/Types: deb-src/' "$SRC" \
            | $SUDO tee /etc/apt/sources.list.d/fastgrnn-deb-src.sources >/dev/null
        APT_UPDATED=0
    fi
    apt_update
    command -v dpkg-source >/dev/null 2>&1 || $SUDO apt-get install -y -qq dpkg-dev
    mkdir -p "$TP/src"
    (cd "$TP/src" && apt-get source --download-only cjson >/dev/null)
    orig=$(ls "$TP"/src/cjson_*.orig.tar.* 2>/dev/null | head -n1)
    if [ -z "$orig" ]; then
        echo "setup: cjson source archive not found in $TP/src" >&2
        exit 1
    fi
    rm -rf "$TP/src/unpack" && mkdir -p "$TP/src/unpack" "$CJ"
    tar -xf "$orig" -C "$TP/src/unpack"
    c=$(find "$TP/src/unpack" -name cJSON.c -not -path '*/tests/*' | head -n1)
    h=$(find "$TP/src/unpack" -name cJSON.h -not -path '*/tests/*' | head -n1)
    cp "$c" "$CJ/cJSON.c"
    cp "$h" "$CJ/cJSON.h"
    # Debian patches (security fixes) apply to cJSON.c; apply them when present.
    deb=$(ls "$TP"/src/cjson_*.debian.tar.* 2>/dev/null | head -n1 || true)
    if [ -n "$deb" ]; then
        mkdir -p "$TP/src/debian" && tar -xf "$deb" -C "$TP/src/debian"
        series="$TP/src/debian/debian/patches/series"
        if [ -f "$series" ]; then
            srcdir=$(dirname "$c")
            while read -r p; do
                case "$p" in ''|\#*) continue;; esac
                patch -s -p1 -d "$srcdir" < "$TP/src/debian/debian/patches/$p" || true
            done < "$series"
            cp "$srcdir/cJSON.c" "$CJ/cJSON.c"
            cp "$srcdir/cJSON.h" "$CJ/cJSON.h"
        fi
    fi
    echo "setup: cJSON source in $CJ"
fi

# ---- npm dev dependencies ---------------------------------------------------
# (Re)install when node_modules lacks any declared dev dependency.
if [ -f package.json ] && ! node -e '
const fs = require("fs");
const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
const missing = Object.keys(p.devDependencies || {})
  .filter((d) => !fs.existsSync("node_modules/" + d + "/package.json"));
process.exit(missing.length ? 1 : 0);'; then
    echo "setup: npm install (dev dependencies)"
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund
    else
        npm install --no-audit --no-fund
    fi
fi
