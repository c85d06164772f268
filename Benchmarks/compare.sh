#!/usr/bin/env bash
# Side-by-side timing of mmgrep against ripgrep, GNU grep (-P and -E), pcre2grep, ugrep and
# a plain C PCRE2 JIT loop, on the same files in one run, in count (-c) and print (-n) modes.
# Prints a table of medians, GB/s and ratios (tool time / mmgrep -j1 time), and peak RSS.
#
# Usage: Benchmarks/compare.sh [--runs N] [--slow-runs N] [--quick] [--log FILE] [--text FILE]
#   --runs N       runs of the fast tools (mmgrep, ripgrep, the C loop) after a warm-up (default 5)
#   --slow-runs N  runs of the slow ones (GNU grep, pcre2grep, ugrep: seconds each; default 1)
#   --quick   two patterns per corpus, 2 runs (a smoke test of the script)
# Needs (installed when missing, Debian): hyperfine ripgrep pcre2-utils ugrep time python3.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5; slow_runs=1; quick=0; log=""; text=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --slow-runs) slow_runs=$2; shift 2 ;;
    --quick) quick=1; runs=2; shift ;;
    --log) log=$2; shift 2 ;;
    --text) text=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

need=()
for t in hyperfine:hyperfine rg:ripgrep pcre2grep:pcre2-utils ugrep:ugrep python3:python3; do
  command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
scripts/ensure-deps.sh

# Our own build directory, so the timing build never collides with a developer's .build.
scratch=${SCRATCH_PATH:-.build-bench}
mmgrep="$(scripts/release-build.sh --scratch-path "$scratch" mmgrep)/mmgrep"
out=Benchmarks/results; mkdir -p "$out"
cc -O2 -o "$out/pcre2_loop" Benchmarks/baseline/pcre2_loop.c $(pkg-config --cflags --libs libpcre2-8)

if [ -z "$log" ] || [ -z "$text" ]; then Benchmarks/make-corpora.sh >/dev/null; fi
log=${log:-Benchmarks/data/sample.log}
text=${text:-Benchmarks/data/linux.txt}

# name|flags|pattern   (flags: "-i" or empty)
# Each log pattern occurs in the generated log (samplelog --seed 42).
log_patterns=(
  "literal||ERROR"
  "caseless literal|-i|timed out"
  "literal alternation||ERROR|deadlock|NullPointer|SQLTimeout"
  "class + literal suffix||[A-Za-z]+TimeoutException"
  "words around a literal||\\w+\\s+timed\\s+\\w+"
  "no literal||[a-z]{5}[0-9]{3}"
  "many-match word||\\w{12}"
  "IPv4||\\b\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\b"
  "strict IPv4||\\b((25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\b"
  "Unicode property||\\p{Lu}\\p{Ll}+"
)
text_patterns=(
  "literal||PM_RESUME"
  "caseless literal|-i|PM_RESUME"
  "literal alternation||ERR_SYS|PME_TURN_OFF|LINK_REQ_RST|CFG_BME_EVT"
  "class + literal suffix||[A-Z]+_RESUME"
  "words around a literal||\\w+\\s+\\w+_RESUME"
  "no literal||[a-z]{6}[0-9]{2}[a-z]"
  "many-match word||\\w{12}"
  "IPv4||\\b\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\b"
  "strict IPv4||\\b((25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\b"
  "Unicode property||\\p{Lu}\\p{Ll}+"
)
if [ $quick = 1 ]; then log_patterns=("${log_patterns[@]:0:2}"); text_patterns=("${text_patterns[@]:0:2}"); fi

export LC_ALL=C.UTF-8
results="$out/results.tsv"
: > "$results"
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }   # shell-quote for hyperfine command strings

bench() {  # corpus-name file name flags pattern
  local corpus=$1 file=$2 name=$3 flags=$4 pat=$5
  local qp; qp=$(q "$pat")
  for mode in c n; do
    local cmds=() names=()
    add() { names+=("$1"); cmds+=("$2"); }
    add "mmgrep -j1" "$mmgrep -j1 $flags -$mode -e $qp $file"
    add "mmgrep -j2" "$mmgrep -j2 $flags -$mode -e $qp $file"
    add "ripgrep"    "rg --no-config -j1 $flags -$mode -e $qp $file"
    add "grep -P"    "grep -P $flags -$mode -e $qp $file"
    if ! [[ $pat == *\\d* || $pat == *\\b* || $pat == *\\p* ]]; then add "grep -E" "grep -E $flags -$mode -e $qp $file"; fi
    add "pcre2grep"  "pcre2grep -u $flags -$mode -e $qp $file"
    add "ugrep"      "ugrep -P $flags -$mode -e $qp $file"
    if [ $mode = c ]; then
      add "C PCRE2 loop" "$out/pcre2_loop $flags $qp $file"
    fi
    # Correctness first: every grep-like tool must print what grep -P prints.
    local ref; ref=$(eval "grep -P $flags -$mode -e $qp $file" | cksum)
    local got; got=$(eval "$mmgrep $flags -$mode -e $qp $file" | cksum)
    [ "$ref" = "$got" ] || echo "MISMATCH: mmgrep $flags -$mode '$pat' $file differs from grep -P" >&2
    # Output goes to a regular file in memory (/dev/shm when present): grep, ripgrep and mmgrep
    # all notice a stdout of /dev/null and stop at the first match, and a pipe that nobody
    # reads would stop them early too. The fast tools run $runs times after a warm-up; the
    # slow ones (GNU grep, pcre2grep, ugrep: seconds per run) once, on the page cache the
    # warm-up filled.
    local sink=/dev/shm; [ -d "$sink" ] && [ -w "$sink" ] || sink=$out
    sink=$sink/compare-stdout.$$
    for group in fast slow; do
      local args=()
      for i in "${!cmds[@]}"; do
        case "${names[$i]}" in
          mmgrep*|ripgrep|"C PCRE2 loop") [ $group = fast ] || continue ;;
          *) [ $group = slow ] || continue ;;
        esac
        args+=(-n "${names[$i]}" "${cmds[$i]}")
      done
      [ ${#args[@]} -gt 0 ] || continue
      local r=$runs w=1; [ $group = slow ] && { r=$slow_runs; w=0; }
      hyperfine -N --style none --warmup $w --runs $r -i --output "$sink" --export-json "$out/h.json" "${args[@]}" >/dev/null
      python3 - "$out/h.json" "$corpus" "$name" "$mode" "$(stat -c %s "$file")" >> "$results" <<'PY'
import json, sys, statistics
data = json.load(open(sys.argv[1]))
for r in data["results"]:
    print("\t".join([sys.argv[2], sys.argv[3], "-" + sys.argv[4], r["command"], "%.4f" % statistics.median(r["times"]), sys.argv[5]]))
PY
    done
    rm -f "$sink"
  done
}

for p in "${log_patterns[@]}"; do IFS='|' read -r name flags pat <<<"$p"; pat=${p#*|*|}; bench log "$log" "$name" "$flags" "$pat"; done
for p in "${text_patterns[@]}"; do IFS='|' read -r name flags pat <<<"$p"; pat=${p#*|*|}; bench text "$text" "$name" "$flags" "$pat"; done

# Peak RSS and peak anonymous memory on the log (count mode, a literal), sampled from
# /proc/PID/status while each tool runs. Mapped file pages count in the RSS; the anonymous
# part is the tool's own heap and stacks.
mem() { python3 Benchmarks/peak.py "$@"; }
{
  echo
  echo "Peak memory, -c ERROR over $(basename "$log") ($(stat -c %s "$log") bytes, sampled every 2 ms):"
  echo "- mmgrep -j1: $(mem "$mmgrep" -j1 -c ERROR "$log")"
  echo "- mmgrep -j2: $(mem "$mmgrep" -j2 -c ERROR "$log")"
  echo "- ripgrep: $(mem rg --no-config -j1 -c ERROR "$log")"
  echo "- grep -P: $(mem grep -P -c ERROR "$log")"
  echo "- pcre2grep: $(mem pcre2grep -c ERROR "$log")"
} > "$out/memory.txt"

python3 - "$results" > "$out/table.md" <<'PY'
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
groups = collections.OrderedDict()
for corpus, name, mode, tool, t, size in rows:
    groups.setdefault((corpus, name, mode, int(size)), {})[tool] = float(t)
tools = ["mmgrep -j1", "mmgrep -j2", "ripgrep", "grep -P", "grep -E", "pcre2grep", "ugrep", "C PCRE2 loop"]
print("Median seconds (GB/s of mmgrep -j1); the ratios are the other tool's time over mmgrep's (higher: mmgrep faster).")
print()
print("| corpus | pattern | mode | " + " | ".join(tools) + " | rg / mm -j1 | rg / mm -j2 | grep -P / mm -j1 | pcre2grep / mm -j1 |")
print("|---|---|---|" + "---:|" * (len(tools) + 4))
for (corpus, name, mode, size), times in groups.items():
    base, two = times.get("mmgrep -j1"), times.get("mmgrep -j2")
    cells = []
    for tool in tools:
        t = times.get(tool)
        if t is None: cells.append("-")
        elif tool == "mmgrep -j1": cells.append("%.3f (%.2f)" % (t, size / t / 1e9))
        else: cells.append("%.3f" % t)
    def ratio(tool, over):
        t = times.get(tool)
        return "%.2fx" % (t / over) if t and over else "-"
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (corpus, name, mode, " | ".join(cells), ratio("ripgrep", base),
          ratio("ripgrep", two), ratio("grep -P", base), ratio("pcre2grep", base)))
PY
cat "$out/table.md"
cat "$out/memory.txt"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -sr); $(swift --version 2>&1 | sed -n 1p)"
echo "Tools: $(rg --version | sed -n 1p), $(grep --version | sed -n 1p), $(pcre2grep --version 2>&1 | sed -n 1p), $(ugrep --version | sed -n 1p | cut -d' ' -f1-2)"
