#!/usr/bin/env bash
# Line coverage of c/src by the native C tests.
#
#   scripts/coverage.sh [--check PERCENT] [--list]
#   npm run coverage -- --check 90
#
# Builds the native project with gcc --coverage into build/coverage, runs its
# ctest suite (the C unit tests, tests/c/test_bad_inputs.c and the fuzz corpus
# replays), then reads the counters with gcov and prints the line coverage
# of every file in c/src and the total. A line counts as covered when any
# build of it ran (the float library and the double one the gradient check
# uses are merged line by line, as gcovr does). --list also prints the
# uncovered lines. --check P exits non-zero when the total is below P
# (or when a test failed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD="$ROOT/build/coverage"
check=""
list=0
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=${2:?--check needs a percentage}; shift 2 ;;
        --check=*) check=${1#--check=}; shift ;;
        --list) list=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "coverage.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
GCOV=${GCOV:-gcov}
command -v gcc >/dev/null && command -v "$GCOV" >/dev/null || {
    echo "coverage.sh: needs gcc and gcov (scripts/setup.sh)" >&2; exit 1; }

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC=gcc cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS="--coverage" -DCMAKE_EXE_LINKER_FLAGS="--coverage" >/dev/null
fi
cmake --build "$BUILD" -j "${COVERAGE_BUILD_JOBS:-2}" >"$BUILD/build.log" 2>&1 || {
    tail -n 30 "$BUILD/build.log" >&2; echo "coverage.sh: build failed ($BUILD/build.log)" >&2; exit 1; }

# Fresh counters, then the tests.
find "$BUILD" -name '*.gcda' -delete
tests_ok=1
if ! ctest --test-dir "$BUILD" --output-on-failure -j "${COVERAGE_TEST_JOBS:-2}" >"$BUILD/ctest.log" 2>&1; then
    tests_ok=0
    grep -E "Failed|\*\*\*" "$BUILD/ctest.log" >&2 || true
    echo "coverage.sh: some tests failed (log: $BUILD/ctest.log); coverage below counts what ran" >&2
fi
grep -E "tests passed|tests failed" "$BUILD/ctest.log" || true

# gcov -t prints annotated sources to stdout: "count:line:text" with count
# "-" (not code), "#####"/"=====" (never run) or a number (maybe with '*').
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/all.gcov"
while IFS= read -r gcda; do
    (cd "$tmp" && "$GCOV" -t -p "$gcda" 2>/dev/null) >>"$tmp/all.gcov" || true
done < <(find "$BUILD" -name '*.gcda' -path '*c/src/*' | sort)
if [ ! -s "$tmp/all.gcov" ]; then
    echo "coverage.sh: no coverage data found under $BUILD" >&2
    exit 1
fi

awk -v src="$ROOT/c/src/" -v list="$list" -v check="$check" '
    /^ *-: *0:Source:/ {
        file = $0; sub(/^ *-: *0:Source:/, "", file)
        keep = index(file, src) == 1
        if (keep) { file = substr(file, length(src) + 1); files[file] = 1 }
        next
    }
    !keep { next }
    {
        n = index($0, ":"); if (!n) next
        count = substr($0, 1, n - 1); rest = substr($0, n + 1)
        m = index(rest, ":"); if (!m) next
        line = substr(rest, 1, m - 1) + 0
        gsub(/ /, "", count)
        if (count == "-" || line == 0) next
        key = file SUBSEP line
        exe[key] = 1
        if (!(key in text)) text[key] = substr(rest, m + 1)
        sub(/\*$/, "", count)
        if (count != "#####" && count != "=====" && count + 0 > 0) hit[key] = 1
    }
    END {
        for (k in exe) { split(k, p, SUBSEP); total[p[1]]++; T++; if (k in hit) { cov[p[1]]++; C++ } }
        n = 0; for (f in files) if (f in total) names[++n] = f
        for (i = 2; i <= n; i++) { v = names[i]; for (j = i - 1; j >= 1 && names[j] > v; j--) names[j + 1] = names[j]; names[j + 1] = v }
        printf "%-22s %8s %8s %8s\n", "file (c/src)", "lines", "covered", "percent"
        for (i = 1; i <= n; i++) {
            f = names[i]
            printf "%-22s %8d %8d %7.1f%%\n", f, total[f], cov[f], 100 * cov[f] / total[f]
        }
        pct = T ? 100 * C / T : 0
        printf "%-22s %8d %8d %7.1f%%\n", "TOTAL", T, C, pct
        if (list) {
            print ""; print "uncovered lines:"
            for (k in exe) if (!(k in hit)) { split(k, p, SUBSEP); printf "%s:%d:%s\n", p[1], p[2], text[k] | "sort -t: -k1,1 -k2,2n" }
            close("sort -t: -k1,1 -k2,2n")
        }
        printf "line coverage of c/src: %.1f%%\n", pct > "/dev/stderr"
        if (check != "" && pct < check + 0) {
            printf "coverage.sh: %.1f%% is below the required %s%%\n", pct, check > "/dev/stderr"
            exit 3
        }
    }' "$tmp/all.gcov"
rc=$?
if [ "$tests_ok" -eq 0 ] && [ -n "$check" ]; then exit 1; fi
exit "$rc"
