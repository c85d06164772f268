#!/usr/bin/env python3
"""Runs a command and reports its wall time, peak RSS and peak anonymous memory.

Usage: Benchmarks/peak.py [--summary] COMMAND [ARG...]

The peaks are sampled from /proc/PID/status every 2 ms: VmHWM (the RSS high-water
mark; mapped file pages count there, they belong to the page cache) and RssAnon
(the process's own heap, stacks and buffers). The command's standard output goes
through a pipe and is counted, not stored (a standard output of /dev/null would
let grep-like tools stop at the first match).

Prints "<RSS> MiB RSS, <anon> MiB anonymous"; with --summary, a line with the
command, time, both peaks, exit status and the output (its one line, or its
number of lines).
"""
import subprocess
import sys
import threading
import time

args = sys.argv[1:]
summary = bool(args) and args[0] == "--summary"
if summary:
    args = args[1:]
if not args:
    sys.exit(__doc__)

start = time.monotonic()
p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
out = {"lines": 0, "last": b""}


def drain():
    while True:
        chunk = p.stdout.read(1 << 20)
        if not chunk:
            break
        out["lines"] += chunk.count(b"\n")
        out["last"] = (out["last"] + chunk)[-200:]


reader = threading.Thread(target=drain)
reader.start()
peak_rss = peak_anon = 0
while p.poll() is None:
    try:
        for line in open("/proc/%d/status" % p.pid):
            if line.startswith("VmHWM:"):
                peak_rss = max(peak_rss, int(line.split()[1]))
            if line.startswith("RssAnon:"):
                peak_anon = max(peak_anon, int(line.split()[1]))
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    time.sleep(0.002)
reader.join()
elapsed = time.monotonic() - start

if not summary:
    print("%.0f MiB RSS, %.1f MiB anonymous" % (peak_rss / 1024, peak_anon / 1024))
else:
    text = out["last"].decode("utf-8", "replace").strip().splitlines()
    result = text[-1] if out["lines"] == 1 and text else "%d lines" % out["lines"]
    command = " ".join([args[0].split("/")[-1]] + args[1:-1])
    print("%-58s %7.2f s  %6.0f MiB RSS  %5.1f MiB anonymous  exit %d  (%s)"
          % (command, elapsed, peak_rss / 1024, peak_anon / 1024, p.returncode, result))
