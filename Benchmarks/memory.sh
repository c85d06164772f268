#!/usr/bin/env bash
# Time and peak memory of mmgrep (and ripgrep, when installed) on one large log: the
# generated sample log at SIZE (default 10G), written to Benchmarks/data/big.log (git-ignored).
#
# Usage: Benchmarks/memory.sh [SIZE]     e.g. Benchmarks/memory.sh 10G
#
# For each run it prints the wall time, the peak RSS (VmHWM: mapped file pages count there,
# they belong to the page cache, not to the process) and the peak anonymous memory (RssAnon:
# the process's own heap, stacks and buffers), sampled from /proc/PID/status every 2 ms.
# The output of -n runs goes through a pipe and is counted, not stored.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-10G}
scripts/ensure-deps.sh
command -v python3 >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq python3 >/dev/null; }

scratch=${SCRATCH_PATH:-.build-bench}
bin=$(scripts/release-build.sh --scratch-path "$scratch" mmgrep samplelog)
big=Benchmarks/data/big.log
mkdir -p Benchmarks/data
if [ ! -s "$big" ] || [ "$(cat "$big.size" 2>/dev/null)" != "$size" ]; then
  "$bin/samplelog" --size "$size" --seed 42 "$big"
  echo "$size" > "$big.size"
fi
# One pass to bring the file into the page cache (as far as it fits), so the runs compare
# scanning, not the disk.
cat "$big" > /dev/null

run() { python3 Benchmarks/peak.py --summary "$@"; }

echo "$(basename "$big"): $(stat -c %s "$big") bytes; $(nproc) cores; $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
for j in 1 2; do
  run "$bin/mmgrep" -j$j -c ERROR "$big"
  run "$bin/mmgrep" -j$j -n ERROR "$big"
  run "$bin/mmgrep" -j$j -c '\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b' "$big"
done
if command -v rg >/dev/null; then
  run rg --no-config -j1 -c ERROR "$big"
  run rg --no-config -j1 -n ERROR "$big"
fi
