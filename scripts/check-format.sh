#!/usr/bin/env bash
# Checks that every C file of the project is formatted as .clang-format says
# (Debian's clang-format). `--fix` rewrites them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
CF=${CLANG_FORMAT:-$(command -v clang-format || command -v clang-format-14 || true)}
if [ -z "$CF" ]; then
    echo "check-format: clang-format not found; run scripts/setup.sh (apt-get install clang-format)" >&2
    exit 1
fi
mapfile -t files < <(git ls-files -- 'c/*.c' 'c/*.h' 'tests/c/*.c' 'tests/c/*.h' 'tools/*.c' 'bench/*.c')
if [ "${1:-}" = "--fix" ]; then
    "$CF" -i "${files[@]}"
    echo "check-format: formatted ${#files[@]} files"
    exit 0
fi
bad=0
for f in "${files[@]}"; do
    if ! "$CF" --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "check-format: $f is not formatted (scripts/check-format.sh --fix)" >&2
        bad=$((bad + 1))
    fi
done
if [ "$bad" -gt 0 ]; then
    echo "check-format: $bad of ${#files[@]} C files differ from .clang-format" >&2
    exit 1
fi
echo "check-format: ${#files[@]} C files match .clang-format"
