#!/usr/bin/env bash
# The differential check of RegexSearch against independent PCRE2 front ends:
# builds scripts/regexdiff/pcre2ref.c (plain PCRE2, pcre2demo's global loop) and
# Fuzz/Sources/RegexDiff, then runs CASES random cases (default 2000) over real
# text and synthetic edge cases, comparing matches, captures, counts (serial and
# parallel with tiny chunks), replacements and line searches on both backends
# with pcre2ref and, for the line searches, with pcre2grep.
#
#   scripts/regexdiff.sh [CASES [SEED]] [-- FILE_OR_DIR...]
#
# Without files it searches /usr/share/common-licenses, /usr/share/doc/*/copyright
# files and Python's standard library sources, where present. Exits 1 on a mismatch
# (each is printed with the pattern's bytes, the options and a copy of the subject).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=2000
SEED=1
if [[ $# -gt 0 && $1 != "--" ]]; then CASES=$1; shift; fi
if [[ $# -gt 0 && $1 != "--" ]]; then SEED=$1; shift; fi
[[ $# -gt 0 && $1 == "--" ]] && shift
INPUTS=("$@")
if [[ ${#INPUTS[@]} -eq 0 ]]; then
  for p in /usr/share/common-licenses /usr/lib/python3*/json /usr/lib/python3*/email /usr/lib/python3*/re; do
    [[ -e $p ]] && INPUTS+=("$p")
  done
  for p in /usr/share/doc/*/copyright; do
    [[ -f $p ]] && INPUTS+=("$p")
  done
fi

scripts/ensure-deps.sh
SCRATCH=${REGEXDIFF_SCRATCH:-Fuzz/.build-diff}
mkdir -p "$SCRATCH"
cc -O2 -Wall -o "$SCRATCH/pcre2ref" scripts/regexdiff/pcre2ref.c $(pkg-config --cflags --libs libpcre2-8)
swift build --package-path Fuzz --scratch-path "$SCRATCH" --product RegexDiff >&2
BIN=$(swift build --package-path Fuzz --scratch-path "$SCRATCH" --show-bin-path)
GREP=()
command -v pcre2grep >/dev/null 2>&1 && GREP=(--pcre2grep "$(command -v pcre2grep)")
WORK=$(mktemp -d)
status=0
"$BIN/RegexDiff" --ref "$SCRATCH/pcre2ref" "${GREP[@]}" --cases "$CASES" --seed "$SEED" --work "$WORK" \
  "${INPUTS[@]}" || status=$?
if [[ $status -eq 0 ]]; then rm -rf "$WORK"; else echo "subjects of the mismatching cases kept in $WORK" >&2; fi
exit $status
