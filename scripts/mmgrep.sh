#!/usr/bin/env bash
# The main job: builds mmgrep (release), then
#   - with no argument: generates samples/sample.log (~300 MiB, deterministic,
#     once; samples/ is git-ignored) and searches it with --stats, so a newcomer
#     sees real output and a throughput figure;
#   - with one argument that names a file: the same demo over that file;
#   - otherwise: runs `mmgrep "$@"` (any grep -P command line).
#
#   scripts/mmgrep.sh                          # demo on the sample log
#   scripts/mmgrep.sh /var/log/syslog          # demo on your file
#   scripts/mmgrep.sh -n 'ERROR.*payment' big.log
#
# SAMPLE_SIZE (default 300M) and SAMPLE_SEED (default 1) change the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

scripts/ensure-deps.sh
echo "building mmgrep (release)..." >&2
BIN="$(scripts/release-build.sh mmgrep)"

if [ "$#" -eq 1 ] && [ -f "${OLDPWD:-$ROOT}/$1" -o -f "$1" ]; then
  # Run from where the user called us, so relative file names work.
  cd "${OLDPWD:-$ROOT}"
  FILE=$1
  PATTERN='error|fail|warn|fatal|panic|denied|timed? ?out'
  echo
  echo "\$ mmgrep --stats -c -i '$PATTERN' $FILE"
  "$BIN/mmgrep" --stats -c -i "$PATTERN" "$FILE" || true
  echo
  echo "\$ mmgrep --stats -j 2 -c -i '$PATTERN' $FILE      # two threads, same answer"
  "$BIN/mmgrep" --stats -j 2 -c -i "$PATTERN" "$FILE" || true
  echo
  echo "\$ mmgrep -n -m 5 --color=auto -i '$PATTERN' $FILE"
  "$BIN/mmgrep" -n -m 5 --color=auto -i "$PATTERN" "$FILE" || true
  echo
  echo "Try: scripts/mmgrep.sh [grep -P options] PATTERN FILE...   (mmgrep --help for the list)"
  exit 0
fi
if [ "$#" -gt 0 ]; then
  # Run from where the user called us, so relative file names work.
  cd "${OLDPWD:-$ROOT}"
  exec "$BIN/mmgrep" "$@"
fi

scripts/release-build.sh samplelog >/dev/null
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
