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

run() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
start = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
import os, threading
out = {"bytes": 0, "lines": 0, "last": b""}
def drain():
    while True:
        chunk = p.stdout.read(1 << 20)
        if not chunk:
            break
        out["bytes"] += len(chunk)
        out["lines"] += chunk.count(b"\n")
        out["last"] = (out["last"] + chunk)[-200:]
t = threading.Thread(target=drain)
t.start()
peak_rss = peak_anon = 0
while p.poll() is None:
    try:
        for line in open("/proc/%d/status" % p.pid):
            if line.startswith("VmHWM:"): peak_rss = max(peak_rss, int(line.split()[1]))
            if line.startswith("RssAnon:"): peak_anon = max(peak_anon, int(line.split()[1]))
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    time.sleep(0.002)
t.join()
elapsed = time.monotonic() - start
result = out["last"].decode("utf-8", "replace").strip().splitlines()[-1] if out["lines"] == 1 else "%d lines" % out["lines"]
print("%-58s %7.2f s  %6.0f MiB RSS  %5.1f MiB anonymous  exit %d  (%s)"
      % (" ".join([sys.argv[1].split("/")[-1]] + sys.argv[2:-1]),
         elapsed, peak_rss / 1024, peak_anon / 1024, p.returncode, result))
PY
}

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
