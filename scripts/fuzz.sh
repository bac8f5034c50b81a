#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/c/fuzz (clang, ASan + UBSan).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   fuzz each target for SECONDS (default 60),
#                                           one after another, at nice 10
#   scripts/fuzz.sh --smoke [TARGET...]     each target over its corpus and regressions,
#                                           then a short burst (FUZZ_SMOKE_SECONDS, default 4;
#                                           fresh work dirs, so runs are alike)
#   npm run fuzz -- 600                     the same through npm
#
# Per target it prints the executions, execs/s and crashes; a summary table
# goes to stdout and to build/fuzz/last-run.txt. New inputs go to
# build/fuzz/work/<target> (never to the committed corpus); crash, leak,
# timeout and OOM inputs to build/fuzz/artifacts/<target>/. Copy a crash
# input to tests/c/fuzz/regressions/<target>/ so ctest replays it forever.
# Exits non-zero when a target crashed or could not be built.
#
# Needs clang and libclang-rt-14-dev (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FUZZ_SRC="$ROOT/tests/c/fuzz"
BUILD="$ROOT/build/fuzz"
ALL_TARGETS=(safetensors_load metrics_json normalization_json config_json dataset model_roundtrip checkpoint)

smoke=0
seconds=60
targets=()
for arg in "$@"; do
    case "$arg" in
        --smoke) smoke=1 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        ''|*[!0-9]*)
            if printf '%s\n' "${ALL_TARGETS[@]}" | grep -qx -- "$arg"; then
                targets+=("$arg")
            else
                echo "fuzz.sh: unknown argument or target '$arg' (targets: ${ALL_TARGETS[*]})" >&2
                exit 2
            fi ;;
        *) seconds=$arg ;;
    esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${ALL_TARGETS[@]}")
if [ "$smoke" -eq 1 ]; then seconds=${FUZZ_SMOKE_SECONDS:-4}; fi

# ---- build -------------------------------------------------------------------
CLANG=${FUZZ_CC:-$(command -v clang || command -v clang-14 || true)}
if [ -z "$CLANG" ]; then
    echo "fuzz.sh: clang not found; run scripts/setup.sh (apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
fi
# (Re)configure every time: cheap, and new targets appear in an old build tree.
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC="$CLANG" cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFG_FUZZ=ON >/dev/null
else
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
fi
fuzzers=()
for t in "${targets[@]}"; do fuzzers+=("fuzz_$t"); done
if ! cmake --build "$BUILD" -j "${FUZZ_BUILD_JOBS:-2}" --target "${fuzzers[@]}" >"$BUILD/build.log" 2>&1; then
    tail -n 30 "$BUILD/build.log" >&2
    echo "fuzz.sh: build failed (log: $BUILD/build.log). libFuzzer needs libclang-rt-14-dev: run scripts/setup.sh" >&2
    exit 1
fi
BIN=$(dirname "$(find "$BUILD" -name "fuzz_${targets[0]}" -type f -perm -u+x | head -n1)")

dict_for() {
    case "$1" in
        safetensors_load|model_roundtrip) echo "-dict=$FUZZ_SRC/dict/safetensors.dict" ;;
        metrics_json|normalization_json|config_json) echo "-dict=$FUZZ_SRC/dict/json.dict" ;;
        *) echo "" ;;
    esac
}

stat_of() { # stat_of LOG NAME -> the last value of "stat::NAME:"
    grep -a "^stat::$2:" "$1" | tail -n1 | awk '{print $2}'
}

# ---- run -----------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mode=$([ "$smoke" -eq 1 ] && echo "smoke: corpus + ${seconds}s burst" || echo "${seconds}s per target")
echo "fuzz.sh: ${#targets[@]} targets, $mode, nice 10"
summary="$BUILD/last-run.txt"
{
    echo "# fuzz.sh $mode, $(date -u +%Y-%m-%dT%H:%M:%SZ), $("$CLANG" --version | head -n1)"
    printf '%-20s %10s %12s %10s %8s %8s\n' target seconds execs execs/s crashes corpus
} >"$summary"
failed=0
for t in "${targets[@]}"; do
    art="$BUILD/artifacts/$t"
    mkdir -p "$art"
    if [ "$smoke" -eq 1 ]; then
        work=$(mktemp -d "$BUILD/smoke-$t.XXXXXX")
    else
        work="$BUILD/work/$t"
        mkdir -p "$work"
    fi
    log="$BUILD/$t.log"
    before=$(find "$art" -type f | wc -l)
    status=0
    # libFuzzer first runs every input of the work dir, the committed corpus
    # and the regressions once (INITED), then mutates them.
    start=$(date +%s)
    if ! nice -n 10 "$BIN/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$art/" $(dict_for "$t") \
        "$work" "$FUZZ_SRC/corpus/$t" "$FUZZ_SRC/regressions/$t" >"$log" 2>&1; then
        status=1
    fi
    elapsed=$(( $(date +%s) - start ))
    execs=$(stat_of "$log" number_of_executed_units)
    rate=$(stat_of "$log" average_exec_per_sec)
    crashes=$(( $(find "$art" -type f | wc -l) - before ))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    corpus=$(find "$work" -type f | wc -l)
    printf '%-20s %10s %12s %10s %8s %8s\n' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "$crashes" "$corpus" | tee -a "$summary"
    if [ "$crashes" -ne 0 ]; then
        failed=1
        grep -a -E "ERROR|SUMMARY|invariant broken|Test unit written" "$log" | head -n 12 >&2 || true
        echo "  log: $log; inputs: $art/ (copy to tests/c/fuzz/regressions/$t/)" >&2
    fi
    [ "$smoke" -eq 1 ] && rm -rf "$work"
done
echo "summary: $summary"
exit "$failed"
