#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for
# SECONDS seconds (default 60), starting from the committed seed corpus.
#
#   scripts/fuzz.sh [SECONDS]            run every target
#   FUZZ_TARGETS=FuzzRegex scripts/fuzz.sh 300
#   FUZZ_SEED=1 FUZZ_RUNS=4000 scripts/fuzz.sh   a fixed number of inputs from a fixed
#                                        seed: the same run on every machine (what CI does)
#   Fuzz/.build-fuzz/debug/FuzzRegex CRASH_FILE    replay one input (after a build)
#
# New interesting inputs go to Fuzz/.corpus/<target>/ (not committed); crashes are
# written to Fuzz/artifacts/ and make the script exit 1. Each crash must become a
# regression test in a Tests/*/Reliability*.swift file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${1:-60}
TARGETS=${FUZZ_TARGETS:-"FuzzRegex FuzzBuffers"}
EXTRA=()
if [ -n "${FUZZ_SEED:-}" ]; then EXTRA+=(-seed="$FUZZ_SEED"); fi
if [ -n "${FUZZ_RUNS:-}" ]; then EXTRA+=(-runs="$FUZZ_RUNS"); fi
SCRATCH=${FUZZ_SCRATCH:-Fuzz/.build-fuzz}

scripts/ensure-deps.sh

LINKER=()
if swiftc --help 2>/dev/null | grep -q -- '-use-ld' && command -v ld.lld >/dev/null 2>&1; then
  LINKER=(-Xswiftc -use-ld=lld)   # ld.gold fails on these fuzzer-instrumented objects
fi
echo "building fuzz targets (-sanitize=fuzzer,address)..." >&2
start=$(date +%s)
# Only the fuzz targets: Fuzz/ also holds MmapDiff (scripts/python-mmap-diff.py) and RegexDiff
# (scripts/regexdiff.sh), differential tools that are not built with sanitizers.
for target in $TARGETS; do
  swift build --package-path Fuzz --scratch-path "$SCRATCH" --product "$target" \
    -Xswiftc -sanitize=fuzzer,address "${LINKER[@]}" 2>&1 | grep -v "Cannot export local symbol" >&2
done
echo "built in $(( $(date +%s) - start )) s" >&2
BIN=$(swift build --package-path Fuzz --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address \
  "${LINKER[@]}" --show-bin-path)

# The Swift runtime's own crash backtracer reads the crashed thread's stack in a way
# ASan reports as an overflow; libFuzzer prints the stack anyway.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-"detect_leaks=0:allocator_may_return_null=1"}

mkdir -p Fuzz/artifacts
status=0
for target in $TARGETS; do
  case $target in
    FuzzRegex) max_len=1024 ;;
    *) max_len=2048 ;;
  esac
  work="Fuzz/.corpus/$target"
  mkdir -p "$work"
  echo "== $target for ${SECONDS_EACH}s ${EXTRA[*]}" >&2
  log="Fuzz/artifacts/$target.log"
  if "$BIN/$target" "$work" "Fuzz/Corpus/$target" \
      -max_total_time="$SECONDS_EACH" -max_len=$max_len -timeout=25 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="Fuzz/artifacts/$target-" ${EXTRA[@]+"${EXTRA[@]}"} >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' "$log" | tr '\n' ' ' >&2
    echo >&2
  else
    status=1
    echo "$target FAILED; last lines of $log:" >&2
    grep -E 'Fatal error|ERROR:|SUMMARY|Test unit written' "$log" | head -20 >&2
    ls -1 Fuzz/artifacts/"$target"-* 2>/dev/null | sed 's/^/  artifact: /' >&2 || true
    echo "  replay: $BIN/$target FILE" >&2
  fi
done
exit $status
