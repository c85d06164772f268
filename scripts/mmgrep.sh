#!/usr/bin/env bash
# The main job. With arguments: builds mmgrep (release) and runs `mmgrep "$@"`.
# Without arguments: also generates samples/sample.log (~300 MiB, deterministic,
# once; samples/ is git-ignored) and searches it, so a newcomer sees real output
# and a throughput figure:
#
#   scripts/mmgrep.sh                          # demo on the sample log
#   scripts/mmgrep.sh -n 'ERROR.*payment' big.log
#
# SAMPLE_SIZE (default 300M) and SAMPLE_SEED (default 1) change the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

scripts/ensure-deps.sh
echo "building mmgrep (release)..." >&2
swift build -c release --product mmgrep >&2
BIN="$(swift build -c release --show-bin-path)"

if [ "$#" -gt 0 ]; then
  # Run from where the user called us, so relative file names work.
  cd "${OLDPWD:-$ROOT}"
  exec "$BIN/mmgrep" "$@"
fi

swift build -c release --product samplelog >&2
SIZE="${SAMPLE_SIZE:-300M}"
SEED="${SAMPLE_SEED:-1}"
SAMPLE="samples/sample.log"
STAMP="samples/.sample-${SIZE}-seed${SEED}"
mkdir -p samples
if [ ! -f "$SAMPLE" ] || [ ! -f "$STAMP" ]; then
  echo "generating $SAMPLE ($SIZE, seed $SEED)..." >&2
  rm -f samples/.sample-*
  "$BIN/samplelog" --size "$SIZE" --seed "$SEED" "$SAMPLE"
  touch "$STAMP"
fi

PATTERN='ERROR.*(timed out|deadlock)'
echo
echo "\$ mmgrep --stats -c '$PATTERN' $SAMPLE"
"$BIN/mmgrep" --stats -c "$PATTERN" "$SAMPLE"
echo
echo "\$ mmgrep --stats -j 2 -c '$PATTERN' $SAMPLE      # two threads, same answer"
"$BIN/mmgrep" --stats -j 2 -c "$PATTERN" "$SAMPLE"
echo
echo "\$ mmgrep -n -m 3 --color=auto '$PATTERN' $SAMPLE"
"$BIN/mmgrep" -n -m 3 --color=auto "$PATTERN" "$SAMPLE"
echo
echo "\$ mmgrep -o -m 5 'user=\"[^\"]*[^\\x00-\\x7f][^\"]*\"' $SAMPLE      # UTF-8 user names"
"$BIN/mmgrep" -o -m 5 'user="[^"]*[^\x00-\x7f][^"]*"' "$SAMPLE"
echo
echo "Try: scripts/mmgrep.sh [grep -P options] PATTERN FILE...   (mmgrep --help for the list)"
