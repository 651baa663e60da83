#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input (issue 16) with libFuzzer under ASan + UBSan.
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     default: all targets, 60 s each
# Builds the sanitizer build (scripts/sanitize.sh --build), makes seed corpora from the real files
# in ../shared (tests/fuzz/make_seeds.py), replays tests/fuzz/regressions/<target>/ (inputs that
# once crashed), then fuzzes each target for SECONDS with a persistent corpus in
# build-asan/fuzz-corpus/<target>. FUZZ_JOBS targets run at once (default: the number of cores).
# Prints a Markdown table (executions, corpus size, crashes) and writes it to build-asan/fuzz-report.md.
# FUZZ_SEED (default 1) fixes libFuzzer's random seed, so that a run from the same corpus explores
# the same inputs (CI starts from an empty corpus: what it finds, a fresh-clone run here finds too);
# FUZZ_SEED=random draws one per run, for campaigns that should go somewhere new.
# Exit status 1 when any target crashed, leaked, hung (>30 s on one input) or used more than 2 GB;
# the input is kept in build-asan/fuzz-artifacts/<target>/ — turn it into a regression test.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
TARGET="${1:-all}"
SECONDS_EACH="${2:-60}"
JOBS="${FUZZ_JOBS:-$(nproc)}"
SEED_ARGS=()
[ "${FUZZ_SEED:-1}" = random ] || SEED_ARGS=(-seed="${FUZZ_SEED:-1}")
SHARED="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
# FUZZ_NO_BUILD=1: fuzz the targets already built (e.g. while the build directory is busy)
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  ASAN_BUILD_DIR="$BUILD_DIR" ADAMIX_ASSET_MIRROR="$SHARED" "$ROOT/scripts/sanitize.sh" --build >&2
fi
FUZZ_BIN="$BUILD_DIR/tests/fuzz"
mapfile -t ALL < <(find "$FUZZ_BIN" -maxdepth 1 -type f -executable -name 'fuzz_*' -printf '%f\n' | sort)
if [ "$TARGET" = all ]; then TARGETS=("${ALL[@]}"); else TARGETS=("$TARGET"); fi
rm -rf "$BUILD_DIR/fuzz-seeds"
python3 "$ROOT/tests/fuzz/make_seeds.py" "$BUILD_DIR/fuzz-seeds" "$SHARED" "$ROOT"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
LOGS="$BUILD_DIR/fuzz-logs"
mkdir -p "$LOGS"

fuzz_one() {
  local t="$1" exe="$FUZZ_BIN/$1"
  [ -x "$exe" ] || { echo "fuzz.sh: no fuzz target $t (have: ${ALL[*]})" >&2; return 2; }
  local corpus="$BUILD_DIR/fuzz-corpus/$t" seeds="$BUILD_DIR/fuzz-seeds/$t" art="$BUILD_DIR/fuzz-artifacts/$t/"
  local regressions="$ROOT/tests/fuzz/regressions/$t"
  rm -rf "$art"
  mkdir -p "$corpus" "$seeds" "$art"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    "$exe" -runs=0 "$regressions" > "$LOGS/$t.regressions.log" 2>&1 ||
      { echo "$t: a regression input fails again, see $LOGS/$t.regressions.log" >&2; return 1; }
  fi
  local rc=0
  "$exe" -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 "${SEED_ARGS[@]}" \
    -artifact_prefix="$art" "$corpus" "$seeds" > "$LOGS/$t.log" 2>&1 || rc=$?
  return $rc
}

running=0
for t in "${TARGETS[@]}"; do
  ( fuzz_one "$t" ) & pids["$!"]="$t"
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n -p done_pid || true
    running=$((running - 1))
  fi
done
wait || true
REPORT="$BUILD_DIR/fuzz-report.md"
{
  echo "| target | seconds | executions | exec/s | corpus files | corpus bytes | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for t in "${TARGETS[@]}"; do
    log="$LOGS/$t.log"
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    files=$(find "$BUILD_DIR/fuzz-corpus/$t" -type f | wc -l)
    bytes=$(du -sb "$BUILD_DIR/fuzz-corpus/$t" | cut -f1)
    crashes=$(find "$BUILD_DIR/fuzz-artifacts/$t" -type f | wc -l)
    verdict="0"
    if [ "$crashes" -gt 0 ] || [ -z "$execs" ]; then verdict="**$crashes: see $log**"; fi
    echo "| $t | $SECONDS_EACH | ${execs:-?} | $(( ${execs:-0} / SECONDS_EACH )) | $files | $bytes | $verdict |"
  done
} > "$REPORT"
cat "$REPORT"
# any target with a kept input or without final stats (it died) fails the run
if grep -q '\*\*' "$REPORT"; then exit 1; fi
