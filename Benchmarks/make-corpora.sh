#!/usr/bin/env bash
# Makes the benchmark corpora in Benchmarks/data (git-ignored):
#   sample.log  a deterministic application log from the project's own generator (samplelog)
#   linux.txt   real text nobody here wrote: every .c/.h/.rst/.txt file of the Linux 6.1 source
#               from Debian's linux-source-6.1 package, concatenated in sorted path order
# Usage: Benchmarks/make-corpora.sh [LOG_SIZE]   (default 1G)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
mkdir -p Benchmarks/data

if [ ! -s Benchmarks/data/sample.log ] || [ "$(cat Benchmarks/data/sample.log.size 2>/dev/null)" != "$size" ]; then
  scratch=${SCRATCH_PATH:-.build-bench}
  "$(scripts/release-build.sh --scratch-path "$scratch" samplelog)/samplelog" --size "$size" --seed 42 Benchmarks/data/sample.log
  echo "$size" > Benchmarks/data/sample.log.size
fi

if [ ! -s Benchmarks/data/linux.txt ]; then
  tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
  if [ -z "$tarball" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y -qq linux-source-6.1 >/dev/null
    tarball=/usr/src/linux-source-6.1.tar.xz
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tar -xJf "$tarball" -C "$tmp"
  (cd "$tmp" && find . -type f \( -name '*.c' -o -name '*.h' -o -name '*.rst' -o -name '*.txt' \) -print0 \
     | LC_ALL=C sort -z | xargs -0 cat) > Benchmarks/data/linux.txt
fi
ls -l Benchmarks/data/sample.log Benchmarks/data/linux.txt
