#!/usr/bin/env python3
"""Fault injection: truncates and rotates files under running searches.

    scripts/faults.py [--rounds N] [--seed S] [--size MIB] [--dir DIR] [--only search|follow|library]

Builds mmgrep, samplelog and endpoint-stats (debug, `swift build`) unless
MMGREP / SAMPLELOG / ENDPOINT_STATS name binaries, writes a samplelog log of
SIZE MiB (default 64), then, round after round:

* search: copies the log, starts `mmgrep` on it (and on a small second file)
  with one of -c, -n, -b, -j2, -o, -v, --json, -l, --from-offset 0, and after
  a random delay shrinks or replaces the file: `truncate -s 0`, `truncate -s`
  to a random size, `cp /dev/null`, `: >` then a rewrite, `mv` + recreate,
  logrotate's copytruncate. Checks: no signal (SIGBUS, SIGSEGV...), no hang,
  exit 0/1/2; a file truncated under the search is reported as
  `mmgrep: FILE: file truncated while searching` with exit 2 and the next
  file is still searched; every message names its file; every line printed
  (with -b) is the log's bytes at that offset.
* library: the same faults under `endpoint-stats` (a Pattern's named groups
  over a MappedByteBuffer): no signal, no hang, exit 0, or 1 with an error
  that names the file and says it was truncated.
* follow: `mmgrep --follow` (plain, -n, -j2, --json) while lines are appended
  (each write closed before the next step) and the file is rotated, truncated
  or copytruncated between batches. Every line written after the follower
  started must be printed (no flushed write lost), nothing may crash, and
  SIGTERM ends it with exit 0.

Exit status 0 when every round passed; 1 after printing each failure (with the
command line and the fault) otherwise.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUNCATED = "file truncated while searching"
failures = []
# How often each outcome was seen (printed at the end, so a run shows the faults landed).
seen = {}


def saw(what):
    seen[what] = seen.get(what, 0) + 1


def fail(what, detail):
    failures.append(what)
    print(f"FAIL: {what}\n      {detail}", file=sys.stderr)


def binary(env, product):
    if os.environ.get(env):
        return os.path.abspath(os.environ[env])
    subprocess.run(["swift", "build", "--product", product], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_path, product)


# MARK: - Faults

def fault_truncate_zero(path, rng):
    os.truncate(path, 0)
    return "truncate -s 0"


def fault_truncate_some(path, rng):
    size = rng.randrange(0, max(1, os.path.getsize(path)))
    os.truncate(path, size)
    return f"truncate -s {size}"


def fault_cp_devnull(path, rng):
    shutil.copyfile("/dev/null", path)
    return "cp /dev/null"


REWRITTEN_LINE = b"rewritten ERROR line\n"


def fault_rewrite_shorter(path, rng):
    with open(path, "wb") as f:  # : > FILE, then new content
        f.write(REWRITTEN_LINE * rng.randrange(1, 100))
    return ": > FILE; rewrite"


def fault_mv_recreate(path, rng):
    os.rename(path, path + ".1")
    with open(path, "wb") as f:
        f.write(b"new file INFO line\n")
    return "mv FILE FILE.1; recreate"


def fault_copytruncate(path, rng):
    shutil.copyfile(path, path + ".1")
    os.truncate(path, 0)
    return "copytruncate"


FAULTS = [fault_truncate_zero, fault_truncate_some, fault_cp_devnull, fault_rewrite_shorter,
          fault_mv_recreate, fault_copytruncate]
# Faults that leave the searched inode shorter than it was (the others replace the name only).
SHRINKS = {fault_truncate_zero, fault_truncate_some, fault_cp_devnull, fault_rewrite_shorter,
           fault_copytruncate}


# MARK: - One search under a fault

SEARCH_MODES = [
    ["-b"], ["-c"], ["-n", "-b"], ["-j2", "-b"], ["-o", "-b"], ["-v", "-c"], ["--json"],
    ["-l"], ["-n", "-b", "-j2", "-v"], ["-c", "-j2"], ["--from-offset", "0", "-b"], ["-o", "-j2"],
]
PATTERNS = ["ERROR", r"status=5\d\d", r"dur_ms=\d{3,}", r"[a-f0-9]{16}$", "(?i)timeout|refused"]


def check_messages(what, stderr, names):
    for line in stderr.splitlines():
        if not any(line.startswith(f"mmgrep: {name}:") for name in names):
            fail(what, f"a message that names no file: {line!r}")


def check_offsets(what, stdout, template, flags, rewritten=b""):
    """With -b: each printed line (or -o match) is the template's bytes at its offset, or,
    after a rewrite in place (`rewritten`), the new content's bytes there: a search that
    reads the same inode after the rewrite sees the new bytes, which is right."""
    if "-b" not in flags or "-c" in flags or "-l" in flags:
        return
    numbered = "-n" in flags
    for raw in stdout.split(b"\n")[:-1]:
        fields = raw.split(b":", 3 if numbered else 2)
        # big.log:[N:]OFFSET:text
        if len(fields) < (4 if numbered else 3) or fields[0] != b"big.log":
            if not raw.startswith(b"small.log:"):
                fail(what, f"an output line of neither file: {raw[:120]!r}")
            continue
        offset = int(fields[-2])
        text = fields[-1]
        if template[offset:offset + len(text)] != text and rewritten[offset:offset + len(text)] != text:
            fail(what, f"printed {text[:80]!r} at offset {offset}, the log holds "
                       f"{template[offset:offset + len(text)][:80]!r}")
            return


def search_round(mmgrep, workdir, template_path, template, rng, index):
    big = os.path.join(workdir, "big.log")
    small = os.path.join(workdir, "small.log")
    shutil.copyfile(template_path, big)
    with open(small, "wb") as f:
        f.write(b"small ERROR status=503 dur_ms=999 timeout 0123456789abcdef\n")
    flags = rng.choice(SEARCH_MODES)
    pattern = rng.choice(PATTERNS)
    fault = rng.choice(FAULTS)
    delay = rng.uniform(0.0, 0.6)
    argv = [mmgrep, *flags, pattern, "big.log", "small.log"]
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    searching = process.poll() is None
    what_fault = fault(big, rng)
    try:
        stdout, stderr_bytes = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        fail(f"search #{index}: {' '.join(argv[1:])} under {what_fault}", "hung (killed after 120 s)")
        return
    stderr = stderr_bytes.decode("utf-8", "replace")
    what = f"search #{index}: mmgrep {' '.join(argv[1:])} under {what_fault} after {delay:.2f}s"
    rc = process.returncode
    if rc < 0:
        fail(what, f"killed by signal {signal.Signals(-rc).name}; stderr: {stderr[-300:]!r}")
        return
    if rc not in (0, 1, 2):
        fail(what, f"exit {rc}; stderr: {stderr[-300:]!r}")
    check_messages(what, stderr, ["big.log", "small.log"])
    saw(f"search: exit {rc}" + (", truncation reported" if TRUNCATED in stderr else ""))
    if TRUNCATED in stderr:
        if stderr.strip() != f"mmgrep: big.log: {TRUNCATED}" and "binary file matches" not in stderr:
            fail(what, f"unexpected messages: {stderr!r}")
        if rc != 2:
            fail(what, f"reported a truncation but exited {rc}")
        if fault not in SHRINKS:
            fail(what, "reported a truncation, but the searched file was only renamed")
    elif rc == 2:
        fail(what, f"exit 2 without a truncation message: {stderr!r}")
    if rc != 2 or TRUNCATED in stderr:
        # The second file is searched whatever happened to the first.
        small_seen = (b"small.log" in stdout) if "--json" not in flags else (b'"small.log"' in stdout)
        if not small_seen and "-v" not in flags:
            fail(what, "small.log was not searched after big.log")
    check_offsets(what, stdout, template, flags,
                  REWRITTEN_LINE * 100 if fault is fault_rewrite_shorter else b"")
    if "--json" in flags:
        for raw in stdout.split(b"\n")[:-1]:
            try:
                json.loads(raw)
            except ValueError:
                fail(what, f"not a JSON line: {raw[:120]!r}")
                break
    return searching, time.monotonic() - started


def library_round(stats_binary, workdir, template_path, rng, index):
    big = os.path.join(workdir, "big.log")
    shutil.copyfile(template_path, big)
    fault = rng.choice(FAULTS)
    delay = rng.uniform(0.0, 0.6)
    process = subprocess.Popen([stats_binary, big], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    what_fault = fault(big, rng)
    what = f"library #{index}: endpoint-stats under {what_fault} after {delay:.2f}s"
    try:
        _, stderr_bytes = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        fail(what, "hung (killed after 300 s)")
        return
    stderr = stderr_bytes.decode("utf-8", "replace")
    rc = process.returncode
    saw(f"library: exit {rc}")
    if rc < 0:
        fail(what, f"killed by signal {signal.Signals(-rc).name}")
    elif rc == 1:
        if big not in stderr or "truncated" not in stderr:
            fail(what, f"an error that does not name the file and the truncation: {stderr!r}")
        if fault not in SHRINKS:
            fail(what, f"an error, but the mapped file was only renamed: {stderr!r}")
    elif rc != 0:
        fail(what, f"exit {rc}: {stderr!r}")


# MARK: - Following under rotation

FOLLOW_MODES = [[], ["-n"], ["-j2"], ["--json"], ["-n", "-b"]]


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def follow_round(mmgrep, workdir, rng, index):
    log = os.path.join(workdir, "app.log")
    for name in os.listdir(workdir):
        os.remove(os.path.join(workdir, name))
    with open(log, "wb") as f:
        f.write(b"old INFO line\nold MARK line before start\n")
    flags = rng.choice(FOLLOW_MODES)
    out_path = os.path.join(workdir, "out")
    err_path = os.path.join(workdir, "err")
    argv = [mmgrep, "--follow", "--poll-interval", "0.02", *flags, "MARK", "app.log"]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(argv, cwd=workdir, stdout=out, stderr=err)
    written = [b"old MARK line before start"]
    what = f"follow #{index}: mmgrep {' '.join(argv[1:])}"

    def output():
        with open(out_path, "rb") as f:
            return f.read()

    def printed(marker):
        return marker in output()

    steps = []
    ok = True
    for batch in range(6):
        fault = rng.choice([None, fault_truncate_zero, fault_cp_devnull, fault_mv_recreate, fault_copytruncate])
        if fault is not None and batch > 0:
            # Rotate only once the follower printed everything written so far.
            steps.append(fault(log, rng))
            saw(f"follow: {steps[-1]}")
        lines = []
        for i in range(rng.randrange(1, 400)):
            marker = f"MARK {index}.{batch}.{i} ".encode() + b"x" * rng.randrange(0, 200)
            lines.append(marker)
        with open(log, "ab") as f:
            f.write(b"".join(line + b"\n" for line in lines))
        written += lines
        steps.append(f"append {len(lines)} lines")
        if not wait_for(lambda: printed(lines[-1]), 20):
            missing = [line for line in lines if line not in output()]
            fail(f"{what} after {'; '.join(steps)}",
                 f"{len(missing)} of {len(lines)} flushed lines never printed, first {missing[0][:60]!r}")
            ok = False
            break
        if process.poll() is not None:
            break
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        fail(what, "did not end within 30 s of SIGTERM")
        return
    rc = process.returncode
    with open(err_path, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    if rc < 0:
        fail(f"{what} after {'; '.join(steps)}", f"killed by signal {signal.Signals(-rc).name}; stderr {stderr!r}")
        return
    if ok and rc != 0:
        fail(f"{what} after {'; '.join(steps)}", f"exit {rc}; stderr {stderr!r}")
    check_messages(what, stderr, ["app.log"])
    data = output()
    if ok:
        for line in written:
            if line not in data:
                fail(f"{what} after {'; '.join(steps)}", f"lost {line[:60]!r}")
                break


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of each kind (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=int, default=64, help="MiB of log per search round (default 64)")
    parser.add_argument("--dir", default=None, help="where the files go (default: a temporary directory)")
    parser.add_argument("--only", choices=["search", "follow", "library"], action="append")
    args = parser.parse_args()
    kinds = args.only or ["search", "library", "follow"]

    mmgrep = binary("MMGREP", "mmgrep")
    samplelog = binary("SAMPLELOG", "samplelog")
    stats = binary("ENDPOINT_STATS", "endpoint-stats") if "library" in kinds else None
    rng = random.Random(args.seed)
    workdir = tempfile.mkdtemp(prefix="mmgrep-faults-", dir=args.dir)
    try:
        template_path = os.path.join(workdir, "template.log")
        subprocess.run([samplelog, "--size", f"{args.size}M", "--seed", str(args.seed), template_path], check=True)
        with open(template_path, "rb") as f:
            template = f.read()
        run_dir = os.path.join(workdir, "run")
        os.mkdir(run_dir)
        start = time.monotonic()
        mid_search = 0
        for kind in kinds:
            for i in range(args.rounds):
                for name in os.listdir(run_dir):
                    os.remove(os.path.join(run_dir, name))
                if kind == "search":
                    result = search_round(mmgrep, run_dir, template_path, template, rng, i)
                    if result and result[0]:
                        mid_search += 1
                elif kind == "library":
                    library_round(stats, run_dir, template_path, rng, i)
                else:
                    follow_round(mmgrep, run_dir, rng, i)
            print(f"{kind}: {args.rounds} rounds done", file=sys.stderr)
        if "search" in kinds:
            print(f"search: the fault hit a running mmgrep in {mid_search} of {args.rounds} rounds", file=sys.stderr)
        for what in sorted(seen):
            print(f"  {what}: {seen[what]}", file=sys.stderr)
        print(f"{len(failures)} failures in {time.monotonic() - start:.0f} s", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
