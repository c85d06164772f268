#!/usr/bin/env python3
"""Randomized differential tester: mmgrep against GNU grep -P (grep -F for -F).

Builds a corpus of real text that nobody here wrote (common licenses, Debian
copyright files and changelogs, C headers, locale sources, configuration
files, Python standard library sources and test data in legacy encodings, mail
messages, man pages, a generated log) plus files made from it that exercise
grep's special cases (NUL bytes early, late and around the 96 KiB read
boundary, invalid UTF-8 and invalid line starts, Latin-1, CRLF and CR-only,
a long line, empty files, no final newline, odd names, a directory tree with
symbolic links, pattern files). Then it generates command lines: some as a
hand-written suite has them (one to three options, a plain pattern, a few
files or a pipe), the rest random combinations of mmgrep's options (clustered
short options, -NUM, abbreviated long options, `--`, options after operands,
values that start with `-`, standard input through `-`, files and pipes,
several pattern sources) and runs each with mmgrep and with /usr/bin/grep
under LC_ALL=C.UTF-8, comparing standard output and exit status, and standard
error where grep's wording is defined (`grep:` read as `mmgrep:`).

grep -P refuses several patterns; for those command lines grep runs with the
single pattern `(?:p1)|(?:p2)|...` instead (mmgrep's documented meaning).
mmgrep's own options (-j, --stats) are left out of grep's command line, and
--stats output is not compared.

Usage:
  swift build -c release --product mmgrep
  scripts/grep-diff.py --cases 20000 --seed 1
  scripts/grep-diff.py --replay 1:4711          # one case again, verbosely

Each mismatch is printed as a shell command line that reproduces it (run in
the corpus directory, kept with --keep or --workdir).
"""

import argparse
import gzip
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile

GREP = "/usr/bin/grep"
READ_SIZE = 98304
TIMEOUT = 20

# ---------------------------------------------------------------------------
# Corpus


def read_bytes(path, limit=None):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                data = handle.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError:
        return None
    return data[:limit] if limit else data


def build_corpus(root, rng, mmgrep, samplelog):
    """Writes the corpus below `root`; returns the list of searchable files."""
    text = os.path.join(root, "text")
    os.makedirs(text, exist_ok=True)
    files = []

    def add(name, data):
        path = os.path.join(text, name)
        with open(path, "wb") as handle:
            handle.write(data)
        files.append("text/" + name)
        return data

    licenses = sorted(p for p in os.listdir("/usr/share/common-licenses"))
    for name in licenses:
        data = read_bytes(os.path.join("/usr/share/common-licenses", name))
        if data:
            add("license-" + name.lower(), data)

    docs = sorted(d for d in os.listdir("/usr/share/doc") if os.path.isfile(os.path.join("/usr/share/doc", d, "copyright")))
    for name in rng.sample(docs, min(40, len(docs))):
        data = read_bytes(os.path.join("/usr/share/doc", name, "copyright"))
        if data:
            add("copyright-" + name, data)

    stdlib = sysconfig.get_paths()["stdlib"]
    modules = sorted(m for m in os.listdir(stdlib) if m.endswith(".py"))
    for name in rng.sample(modules, min(30, len(modules))):
        data = read_bytes(os.path.join(stdlib, name))
        if data:
            add("py-" + name, data)

    mandir = "/usr/share/man/man1"
    if os.path.isdir(mandir):
        pages = sorted(p for p in os.listdir(mandir) if p.endswith(".gz"))
        for name in rng.sample(pages, min(15, len(pages))):
            data = read_bytes(os.path.join(mandir, name))
            if data:
                add("man-" + name[:-3], data)

    # Debian changelogs, C headers, locale sources and configuration files.
    changelogs = sorted(d for d in os.listdir("/usr/share/doc")
                        if os.path.isfile(os.path.join("/usr/share/doc", d, "changelog.Debian.gz")))
    for name in rng.sample(changelogs, min(12, len(changelogs))):
        data = read_bytes(os.path.join("/usr/share/doc", name, "changelog.Debian.gz"), 200000)
        if data:
            add("changelog-" + name, data)
    for directory, prefix, count, suffix in [("/usr/include", "h-", 10, ".h"), ("/usr/share/i18n/locales", "locale-", 4, ""),
                                             ("/etc", "etc-", 8, ".conf")]:
        if not os.path.isdir(directory):
            continue
        names = sorted(n for n in os.listdir(directory) if n.endswith(suffix)
                       and os.path.isfile(os.path.join(directory, n)))
        for name in rng.sample(names, min(count, len(names))):
            data = read_bytes(os.path.join(directory, name), 300000)
            if data:
                add(prefix + name, data)
    # Python's own test data: texts in legacy encodings (Big5, EUC-JP, Shift_JIS,
    # ...: invalid UTF-8 nobody here wrote), mail messages, doctest files.
    for sub, limit in [("test/cjkencodings", 8), ("test/test_email/data", 8)]:
        directory = os.path.join(stdlib, sub)
        if os.path.isdir(directory):
            names = sorted(n for n in os.listdir(directory) if os.path.isfile(os.path.join(directory, n)))
            for name in rng.sample(names, min(limit, len(names))):
                data = read_bytes(os.path.join(directory, name))
                if data:
                    add(sub.split("/")[-1] + "-" + name, data)

    if samplelog:
        log = os.path.join(text, "sample.log")
        subprocess.run([samplelog, "--size", "2M", "--seed", "3", log], check=True,
                       stdout=subprocess.DEVNULL)
        files.append("text/sample.log")

    real = [read_bytes(os.path.join(root, f)) for f in files]
    big = b"".join(real)

    # Files for grep's special cases, made from the real text.
    special = os.path.join(root, "special")
    os.makedirs(special, exist_ok=True)

    def add_special(name, data):
        with open(os.path.join(special, name), "wb") as handle:
            handle.write(data)
        files.append("special/" + name)

    chunk = lambda size: big[(start := rng.randrange(0, max(1, len(big) - size))):start + size]
    add_special("empty.txt", b"")
    add_special("newline-only.txt", b"\n")
    add_special("blank-lines.txt", b"\n\n\nx\n\n")
    sample = chunk(3000)
    add_special("nonl.txt", sample.rstrip(b"\n"))
    add_special("crlf.txt", chunk(4000).replace(b"\n", b"\r\n"))
    add_special("crlf-nonl.txt", chunk(1500).replace(b"\n", b"\r\n").rstrip(b"\r\n"))
    lines = chunk(5000).split(b"\n")
    for i in range(0, len(lines), 7):
        pos = rng.randrange(0, len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + bytes([rng.choice([0x80, 0xC3, 0xE9, 0xFF, 0xFE, 0xC0, 0xED, 0xF4])]) + lines[i][pos:]
    add_special("invalid-utf8.txt", b"\n".join(lines))
    latin = chunk(3000).decode("utf-8", "replace").encode("latin-1", "replace")
    add_special("latin1.txt", latin)
    early = chunk(6000)
    add_special("nul-early.bin", early[:200] + b"\0" + early[200:])
    add_special("nul-start.bin", b"\0" + chunk(2000))
    add_special("nul-many.bin", b"\0".join(chunk(300) for _ in range(12)))
    late = chunk(140000)
    add_special("nul-late.txt", late[:120000] + b"\0" + late[120000:])
    add_special("nul-boundary-before.txt", late[:READ_SIZE - 1] + b"\0" + late[READ_SIZE:])
    add_special("nul-boundary-at.txt", late[:READ_SIZE] + b"\0" + late[READ_SIZE + 1:])
    add_special("nul-last-byte.txt", chunk(2000) + b"\0")
    add_special("big.txt", chunk(300000))
    # Lines that start with bytes that cannot begin a UTF-8 character (Latin-1
    # text whose lines start with an accented letter or a quote; stray bytes).
    starts = []
    for line in chunk(6000).split(b"\n"):
        kind = rng.random()
        if kind < 0.25:
            line = rng.choice([b"\xab ", b"\xbf", b"\xb0", b"\xa1", b"\x80", b"\xbb", b"\xc0", b"\xfe\xff", b"\xc3", b"\xe9"]) + line
        elif kind < 0.35:
            line = line.decode("utf-8", "replace").encode("latin-1", "replace")
        starts.append(line)
    add_special("invalid-starts.txt", b"\n".join(starts) + b"\n")
    add_special("cr-only.txt", chunk(2000).replace(b"\n", b"\r"))
    words_line = b" ".join(chunk(300).split())
    add_special("long-line.txt", chunk(500) + b"\n" + (words_line + b" ") * 700 + b"\n" + chunk(500))
    add_special("name with spaces.txt", chunk(800))
    add_special("n\u00e4me-\u00fcml.txt", chunk(700))
    add_special("only-nuls.bin", b"\0" * 5000)
    add_special("dashes.txt", b"\n".join(rng.choice([b"---", b"--", b"-", b"- " + chunk(40).replace(b"\n", b" "),
                                                       b"-e -x --regexp", b"----------", chunk(60).replace(b"\n", b" ")])
                                        for _ in range(60)) + b"\n")

    # A tree for -r: nested directories, symbolic links, a loop, hidden files.
    tree = os.path.join(root, "tree")
    for sub in ["a", "a/b", "a/b/c", "d", ".hidden", "e f"]:
        os.makedirs(os.path.join(tree, sub), exist_ok=True)
    tree_files = {
        "top.txt": chunk(1500), "a/one.py": chunk(2000), "a/two.md": chunk(1200),
        "a/b/three.txt": chunk(800), "a/b/c/four.log": chunk(2500), "a/b/c/nul.bin": early,
        "d/five.txt": chunk(900), "d/crlf.txt": chunk(700).replace(b"\n", b"\r\n"),
        ".hidden/six.txt": chunk(600), "e f/seven eight.txt": chunk(500), "a/empty.txt": b"",
        ".dotfile": chunk(300),
    }
    for name, data in tree_files.items():
        with open(os.path.join(tree, name), "wb") as handle:
            handle.write(data)
    for link, target in [("link-file.txt", "top.txt"), ("a/link-dir", "../d"), ("a/b/loop", ".."),
                         ("dangling", "nowhere")]:
        try:
            os.symlink(target, os.path.join(tree, link))
        except OSError:
            pass

    # Pattern files: real lines, words, empty lines, CRLF.
    patterns = os.path.join(root, "patterns")
    os.makedirs(patterns, exist_ok=True)
    words = words_of(big)
    def write_patterns(name, items, newline=b"\n", final=True):
        data = newline.join(items) + (newline if final and items else b"")
        with open(os.path.join(patterns, name), "wb") as handle:
            handle.write(data)
    write_patterns("one.pat", [rng.choice(words)])
    write_patterns("words.pat", rng.sample(words, 4))
    write_patterns("words-nonl.pat", rng.sample(words, 3), final=False)
    write_patterns("empty.pat", [])
    write_patterns("empty-line.pat", [b""])
    write_patterns("with-empty.pat", [rng.choice(words), b"", rng.choice(words)])
    write_patterns("crlf.pat", rng.sample(words, 2), newline=b"\r\n")
    write_patterns("regex.pat", [b"^" + rng.choice(words), rng.choice(words) + b"$", b"\\b" + rng.choice(words) + b"\\w*"])
    write_patterns("bad.pat", [rng.choice(words), b"(unclosed"])
    write_patterns("dash.pat", [b"-" + rng.choice(words)])
    write_patterns("only-empty.pat", [b"", b""])
    write_patterns("crlf-one.pat", [rng.choice(words)], newline=b"\r\n")
    return files, big, words


def words_of(data):
    text = data.decode("utf-8", "replace")
    found = sorted(set(re.findall(r"[^\W\d_]{3,}", text)))
    return [w.encode() for w in found if "\ufffd" not in w]


# ---------------------------------------------------------------------------
# Patterns


class PatternMaker:
    def __init__(self, rng, big, words):
        self.rng = rng
        self.text = big.decode("utf-8", "replace")
        self.lines = [l for l in self.text.split("\n") if 3 < len(l) < 200 and "\ufffd" not in l]
        self.words = [w.decode() for w in words]
        self.common = self.frequent_words()
        self.unicode = sorted({c for c in self.text if ord(c) > 127 and c != "\ufffd" and c.isprintable()})

    def frequent_words(self):
        counts = {}
        for w in re.findall(r"[A-Za-z]{2,}", self.text[:2_000_000]):
            counts[w] = counts.get(w, 0) + 1
        ranked = sorted(counts, key=lambda w: -counts[w])
        return ranked[:400] or ["the"]

    def word(self):
        return self.rng.choice(self.common if self.rng.random() < 0.7 else self.words)

    def line_piece(self):
        line = self.rng.choice(self.lines)
        start = self.rng.randrange(0, len(line))
        return line[start:start + self.rng.randint(1, 25)]

    def pair(self):
        line = self.rng.choice(self.lines)
        pairs = re.findall(r"(?=\b(\w+ \w+)\b)", line)
        return self.rng.choice(pairs) if pairs else self.word()

    def regex(self):
        r = self.rng
        w = self.word
        kinds = [
            lambda: w(), lambda: w(), lambda: self.pair(),
            lambda: "|".join(w() for _ in range(r.randint(2, 4))),
            lambda: r"\b" + w() + r"\b", lambda: "^" + w(), lambda: w() + "$", lambda: r"^\s*" + w(),
            lambda: "[A-Z][a-z]+", lambda: r"\d+", lambda: "[[:digit:]]{2,}", lambda: r"[^a-z ]{3}",
            lambda: w()[:3] + r"\w*", lambda: w() + "{2,}", lambda: w()[0] + ".*" + w()[-1],
            lambda: "colou?r|licen[cs]e", lambda: r"\w+ing\b", lambda: r"[aeiou]{3}",
            lambda: "(?<=" + w() + " )" + r"\w+", lambda: w() + "(?= " + w() + ")",
            lambda: "(?<!" + w()[:2] + ")" + w(), lambda: w() + "(?!s)",
            lambda: r"(\w)\1", lambda: r"\b(\w+) \1\b", lambda: r"(?i)(" + w() + r").*\1",
            lambda: r.choice(["x*", "^", "$", "(?:)", "a?", r"\b", "", r"\B", "^$", "(?=a)", r"\s*", r"(?<=e)"]),
            lambda: r.choice(self.unicode) if self.unicode else "é",
            lambda: (r.choice(self.unicode) if self.unicode else "ü") + r"\w*",
            lambda: "[" + "".join(r.sample(self.unicode, min(3, len(self.unicode)))) + "]" if self.unicode else "[éü]",
            lambda: "(?i)" + w(), lambda: "(?i)" + self.pair(),
            lambda: r.choice([r"\.", r"\(", r"\$", r"\x41", r"\t", r"\Q.*\E", r"\N{3}", r"\R", r"\h+", r"\S+@\S+", r"\x{e9}", r"\p{Lu}\p{Ll}+", r"\p{Greek}", r"[\p{L}--]", r"\d{4}-\d{2}"]),
            lambda: w() + r"\K\s*\w+", lambda: re.escape(self.line_piece()), lambda: self.line_piece(),
            lambda: r"(?m)^" + w(), lambda: r"(?s)" + w() + ".",
            lambda: r"^.{0,10}$", lambda: r"^.{80,}", lambda: r"\w+\s*=\s*\S+", lambda: r"[A-Z]{2,}",
            lambda: "(" + w() + "|" + w() + ")+", lambda: r"\bthe\b", lambda: r"(?:^|\s)#", lambda: r"\r$", lambda: r"\r",
            lambda: r"\x00", lambda: r".\z", lambda: r"\A\w", lambda: r"$\n?",
            lambda: r.choice(["(", "[a-", "a{2,1}", "\\", "*a", "(?<=a+)b", ")", "(?P<n>a)(?P<n>b)", r"\p{Foo}", "[[:foo:]]", r"\c", "(?<", "a**", "(?z)"]),
            # Patterns that start with "-" (option-like values), grep-suite classics.
            lambda: r.choice(["-", "--", "---", "-------", "-e", "-x", "--color", "-" + w(), "--" + w(), r"-\w+", "-+", r"^-", r"^--$", r"-{3,}"]),
            lambda: r.choice([r"\d{1,3}(\.\d{1,3}){3}", r"[\w.+-]+@[\w-]+\.[\w.]+", r"https?://\S+", r"\b[A-Z]{2,}\b", r"^\s+", r"\s+$",
                              r"^#", r"^$", r"^.*$", r"(\w+)\s+\1", r"\b\w{10,}\b", r"[()]", r"\t", r"^[^#]", r"(?i)^" + w(), r"[[:upper:]][[:lower:]]+",
                              r"[[:punct:]]{2}", r"\p{Han}", r"\p{Hiragana}+", r"[^\x00-\x7F]+", r"\x{FFFD}", r"(?<=\s)\d+(?=\s)", r"^.{0,3}$"]),
        ]
        return r.choice(kinds)()

    def fixed(self):
        r = self.rng
        kinds = [
            lambda: self.word(), lambda: self.word(), lambda: self.pair(), lambda: self.line_piece(),
            lambda: self.word().lower(), lambda: self.word()[:2],
            lambda: r.choice(["a.b", "(c)", "*", ".", "$", "^", "\\", "[", "--", "e", " ", "\t", "\r"]),
            lambda: r.choice(["-", "---", "-e", "-x", "--color", "-" + self.word(), "- ", "@", "#", "://", "()"]),
            lambda: r.choice(self.unicode) if self.unicode else "é", lambda: "",
        ]
        return r.choice(kinds)()


# ---------------------------------------------------------------------------
# Command lines

SHORT_FLAGS = {"-i": "--ignore-case", "-w": "--word-regexp", "-x": "--line-regexp", "-v": "--invert-match",
               "-c": "--count", "-l": "--files-with-matches", "-L": "--files-without-match",
               "-o": "--only-matching", "-n": "--line-number", "-b": "--byte-offset", "-H": "--with-filename",
               "-h": "--no-filename", "-q": "--quiet", "-s": "--no-messages", "-a": "--text"}
VALUE_OPTIONS = {"-m": "--max-count", "-A": "--after-context", "-B": "--before-context", "-C": "--context"}


def abbreviate(long_name, rng):
    """A unique prefix of some long options, grep accepts them."""
    unique = {"--ignore-case": 4, "--word-regexp": 3, "--line-regexp": 4, "--invert-match": 4, "--count": 4,
              "--files-with-matches": 13, "--files-without-match": 14, "--only-matching": 4,
              "--line-number": 8, "--byte-offset": 3, "--with-filename": 3, "--no-filename": 5,
              "--quiet": 3, "--max-count": 4, "--after-context": 3, "--before-context": 3, "--context": 5}
    if long_name in unique and rng.random() < 0.2:
        return long_name[:rng.randint(unique[long_name], len(long_name))]
    return long_name


class Case:
    def __init__(self):
        self.options = []           # mmgrep argv before operands (each a list of words)
        self.late_options = []      # options placed after the operands
        self.operands = []
        self.patterns = []          # (kind, value) in order: ("e", text) / ("f", path)
        self.fixed = False
        self.stdin_file = None
        # Standard input through a pipe (else the file itself is standard input).
        self.stdin_pipe = False
        self.stats = False
        self.cwd = "."
        self.use_double_dash = False
        self.pattern_operand = None
        self.env = {}

    def argv(self):
        words = []
        for group in self.options:
            words += group
        operands = list(self.operands)
        if self.pattern_operand is not None:
            operands = [self.pattern_operand] + operands
        if self.use_double_dash:
            return words + self.late_options + ["--"] + operands
        return words + operands + self.late_options


def make_case(rng, pm, files):
    case = Case()
    r = rng
    case.fixed = r.random() < 0.15
    flags = []
    values = {}
    # Random subset of flags (weights keep output non-trivial most of the time).
    for short, p in [("-i", .15), ("-w", .12), ("-x", .05), ("-v", .1), ("-c", .1), ("-l", .06), ("-L", .05),
                     ("-o", .18), ("-n", .3), ("-b", .1), ("-H", .1), ("-h", .08), ("-q", .04), ("-s", .08),
                     ("-a", .03)]:
        if r.random() < p:
            flags.append(short)
    if r.random() < 0.2:
        values["-m"] = str(r.choice([0, 1, 1, 2, 3, 5, 100]))
    for opt in ["-A", "-B", "-C"]:
        if r.random() < 0.1:
            values[opt] = str(r.choice([0, 1, 1, 2, 3, 10]))
    num_context = r.choice(["-0", "-1", "-2", "-5"]) if r.random() < 0.04 else None
    extra_long = []
    if r.random() < 0.08:
        extra_long.append(r.choice(["--color=always", "--colour=always", "--color=never", "--color", "--color=auto"]))
    if r.random() < 0.03:
        extra_long.append("-U")
    if r.random() < 0.05:
        extra_long.append(r.choice(["-j2", "-j 1", "--threads=3"]))
    if r.random() < 0.03:
        case.stats = True
        extra_long.append("--stats")
    if r.random() < 0.04:
        extra_long.append(r.choice(["--no-ignore-case", "--null", "-Z", "--line-buffered", "--no-group-separator",
                                    "--group-separator=##", "-I", "--binary-files=text", "--binary-files=without-match",
                                    "-d skip", "-D skip", "--label=LBL", "-P", "-y", "-d read", "-d recurse",
                                    "--directories=skip", "-D read", "--devices=skip",
                                    "--exclude=*.txt", "--include=*.py", "--exclude=text/*"]))
    if r.random() < 0.02:
        # Bad option values and unknown options: usage errors.
        extra_long.append(r.choice(["-m x", "-A -1", "--context=abc", "-C 1x", "--colour=sometimes", "-X",
                                    "--no-such-option", "--max-count", "-m +2", "-A +1", "-m 99999999999999999999",
                                    "--binary-files=maybe", "-d nothing", "-D nothing", "--regex=a", "--con=1",
                                    "--file=missing.pat", "-f patterns", "--lab=L", "--in=*.txt"]))
    if r.random() < 0.04:
        # Option values that start with "-", attached or as the next argument.
        extra_long.append(r.choice(["--label=-", "--label -x", "--group-separator=--", "--group-separator -----",
                                    "--group-separator=-", "--group-separator=", "-m -1", "--max-count=-3", "-m-2",
                                    "--include=-*", "--exclude -x", "--exclude-dir=-d", "--label --"]))
    if r.random() < 0.06:
        case.env["GREP_COLORS"] = r.choice(["ms=01;32:ln=33", "mt=4:fn=34:se=35", "ne", "ms=:mc=:sl=1",
                                            "ln=1;2:bn=3:se=", "fn=", "mc=01;33:cx=2", "rv"])
        if "--color=always" not in extra_long:
            extra_long.append("--color=always")

    # Lay the options out: clusters, attached values, long forms.
    groups = []
    remaining = list(flags)
    r.shuffle(remaining)
    while remaining:
        if r.random() < 0.35 and len(remaining) > 1:
            n = r.randint(2, len(remaining))
            cluster = "-" + "".join(f[1] for f in remaining[:n])
            remaining = remaining[n:]
            if values and r.random() < 0.3:
                opt = next(iter(values))
                cluster += opt[1] + values.pop(opt)
            groups.append([cluster])
        else:
            f = remaining.pop()
            groups.append([abbreviate(SHORT_FLAGS[f], r)] if r.random() < 0.25 else [f])
    for opt, value in values.items():
        style = r.random()
        if style < 0.35:
            groups.append([opt + value])
        elif style < 0.65:
            groups.append([opt, value])
        elif style < 0.85:
            groups.append([abbreviate(VALUE_OPTIONS[opt], r) + "=" + value])
        else:
            groups.append([VALUE_OPTIONS[opt], value])
    if num_context:
        groups.append([num_context])
    for item in extra_long:
        groups.append(item.split(" "))
    if case.fixed:
        groups.append([r.choice(["-F", "--fixed-strings", "--fixed"])])

    # Patterns: an operand, or -e/-f (several of them sometimes).
    make = pm.fixed if case.fixed else pm.regex
    style = r.random()
    if style < 0.6:
        pattern = make()
        if r.random() < 0.03:
            pattern = pattern + "\n" + make()
        case.pattern_operand = pattern
        case.patterns.append(("e", pattern))
    else:
        for _ in range(r.choice([1, 1, 2, 2, 3])):
            if r.random() < 0.75:
                pattern = make()
                case.patterns.append(("e", pattern))
                form = r.random()
                groups.append(["-e", pattern] if form < 0.45 else (["-e" + pattern] if form < 0.65 and pattern else
                              (["--regexp", pattern] if form < 0.75 else ["--regexp=" + pattern])))
            else:
                pfile = r.choice(["one", "words", "words-nonl", "empty", "empty-line", "with-empty", "crlf", "regex", "bad",
                                  "dash", "only-empty", "crlf-one"])
                path = "patterns/%s.pat" % pfile
                case.patterns.append(("f", path))
                groups.append(["-f", path] if r.random() < 0.6 else ["--file=" + path])
    r.shuffle(groups)
    # Keep the pattern operand first among operands; some options go after the operands.
    if r.random() < 0.15 and groups:
        n = r.randint(1, min(2, len(groups)))
        late = groups[-n:]
        groups = groups[:-n]
        for g in late:
            case.late_options += g
    case.options = groups

    # Files.
    recursive = r.random() < 0.1
    choice = r.random()
    if recursive:
        case.options.append([r.choice(["-r", "--recursive", "-R", "-r", "--dereference-recursive"])])
        if r.random() < 0.3:
            case.options.append([r.choice(["--include=*.txt", "--exclude=*.py", "--exclude-dir=b", "--include=*.md", "--exclude=*.txt", "--exclude-dir=c", "--include=t*"])])
        if r.random() < 0.2:
            case.cwd = "tree"
            case.operands = [] if r.random() < 0.6 else [r.choice([".", "a", "d", "a/b"])]
        else:
            case.operands = r.sample(["tree", "tree/a", "tree/d", "tree/top.txt", "tree/link-file.txt", "tree/a/link-dir", "special/crlf.txt"], r.randint(1, 2))
    elif choice < 0.15:
        case.stdin_file = r.choice(files)
        case.stdin_pipe = r.random() < 0.5
        if r.random() < 0.5:
            case.operands = ["-"] + ([r.choice(files)] if r.random() < 0.3 else [])
            if r.random() < 0.1:
                case.operands.append("-")
            r.shuffle(case.operands)
        elif r.random() < 0.1 and case.pattern_operand is None:
            # Patterns from standard input, data from a file.
            case.stdin_file = r.choice(["patterns/one.pat", "patterns/words.pat", "patterns/crlf.pat"])
            case.options.append(["-f", "-"])
            case.patterns.append(("f", case.stdin_file))
            case.operands = [pick_file(r, files)]
        if r.random() < 0.2:
            case.options.append(["--label=stdin-" + str(r.randint(0, 9))])
    else:
        n = r.choice([1, 1, 1, 2, 2, 3])
        case.operands = [pick_file(r, files) for _ in range(n)]
    if case.pattern_operand is not None and case.pattern_operand.startswith("-"):
        case.use_double_dash = True
    elif r.random() < 0.05:
        case.use_double_dash = True
    if case.use_double_dash and any(o.startswith("-") and o != "-" for o in case.operands):
        pass
    return case


# The kind of command line a hand-written conformance suite holds: one to three
# of the listed options, a plain pattern, one or a few real files (or a pipe).
SIMPLE_OPTIONS = ["-i", "-w", "-x", "-v", "-c", "-l", "-L", "-o", "-n", "-b", "-H", "-h", "-q", "-s",
                  "-m1", "-m 2", "-m 5", "-A1", "-A 2", "-B1", "-B 3", "-C1", "-C 2", "-2", "--color=always",
                  "-r", "-F", "-e", "-f", "-U", "-a", "--label=in", "-Z", "--no-group-separator", "-ob", "-on",
                  "-cv", "-lv", "-Lv", "-nA1", "-m1 -c", "-m2 -A1", "-q -v", "-s -q", "-o -i", "-c -o", "-wc", "-xn"]
SIMPLE_PATTERNS = [r"\d+", r"^\s*$", r"^#", r"\bthe\b", r"[A-Z]{2,}", r"\w+@\w+", r"^.{0,20}$", r"\s$", r"(?i)license",
                   r"^\S+", r"\(.*\)", r"x*", r"", r"^", r"$", r"[aeiou]{2}", r"\b\w", r"-", r"--", r"\.$", r"\t"]


def make_simple_case(r, pm, files):
    case = Case()
    chosen = r.sample(SIMPLE_OPTIONS, r.choice([1, 1, 2, 2, 3]))
    case.fixed = "-F" in chosen
    groups = []
    for option in chosen:
        if option not in ("-e", "-f", "-r"):
            groups.append(option.split(" "))
    make = pm.fixed if case.fixed else (lambda: r.choice(SIMPLE_PATTERNS) if r.random() < 0.4 else pm.word())
    pattern = make() if r.random() < 0.8 else pm.pair()
    if "-f" in chosen:
        path = "patterns/%s.pat" % r.choice(["one", "words", "empty", "empty-line", "with-empty", "crlf", "regex", "dash"])
        groups.append(["-f", path])
        case.patterns.append(("f", path))
    elif "-e" in chosen:
        groups.append(["-e", pattern] if r.random() < 0.7 else ["-e" + pattern] if pattern else ["-e", pattern])
        case.patterns.append(("e", pattern))
    else:
        case.pattern_operand = pattern
        case.patterns.append(("e", pattern))
        if pattern.startswith("-"):
            case.use_double_dash = True
    case.options = groups
    real = [f for f in files if f.startswith("text/")]
    special = [f for f in files if f.startswith("special/")]
    if "-r" in chosen:
        case.options.append(["-r"])
        if r.random() < 0.3:
            case.cwd = "tree"
        else:
            case.operands = [r.choice(["tree", "tree/a", "tree/d"])]
    elif r.random() < 0.15:
        case.stdin_file = r.choice(real + special)
        case.stdin_pipe = True
        if r.random() < 0.3:
            case.operands = ["-"]
    else:
        pool = real if r.random() < 0.7 else special
        case.operands = [r.choice(pool) for _ in range(r.choice([1, 1, 1, 2, 3]))]
        if r.random() < 0.05:
            case.operands.append("missing.txt")
    return case


def pick_file(r, files):
    x = r.random()
    if x < 0.05:
        return r.choice(["missing.txt", "no/such/file", "text", "tree/a", "/dev/null", "/proc/version",
                         "/proc/sys/kernel/ostype", "tree/dangling", "tree/link-file.txt", "special/"])
    if x < 0.35:
        return r.choice([f for f in files if f.startswith("special/")])
    return r.choice(files)


def pattern_sources(argv, pattern_operand):
    """The -e/-f pattern sources of a command line, in order, and the argv without them."""
    sources = []
    rest = []
    i = 0
    after_dashdash = False
    operand_seen = pattern_operand is None
    while i < len(argv):
        a = argv[i]
        if after_dashdash or a == "--" or not a.startswith("-") or a == "-":
            if a == "--" and not after_dashdash:
                after_dashdash = True
                rest.append(a)
            elif not operand_seen:
                operand_seen = True
                sources.append(("e", a))
            else:
                rest.append(a)
            i += 1
            continue
        if a in ("-e", "--regexp"):
            sources.append(("e", argv[i + 1]))
            i += 2
        elif a in ("-f", "--file"):
            sources.append(("f", argv[i + 1]))
            i += 2
        elif re.match(r"--rege?x?p?=", a):
            sources.append(("e", a.split("=", 1)[1]))
            i += 1
        elif a in ("--reg", "--rege", "--regex"):
            sources.append(("e", argv[i + 1]))
            i += 2
        elif a.startswith("--file="):
            sources.append(("f", a[len("--file="):]))
            i += 1
        elif a.startswith("-e") and len(a) > 2 and not a.startswith("--"):
            sources.append(("e", a[2:]))
            i += 1
        elif a in ("-m", "-A", "-B", "-C", "-j", "-d", "-D", "--max-count", "--after-context",
                   "--before-context", "--context", "--threads") or a in VALUE_WORDS:
            rest += argv[i:i + 2]
            i += 2
        else:
            rest.append(a)
            i += 1
    return sources, rest


def pattern_texts(sources, root, stdin_file=None):
    texts = []
    for kind, value in sources:
        if kind == "e":
            texts += value.split("\n")
        else:
            if value == "-":
                value = stdin_file or "/dev/null"
            data = open(os.path.join(root, value), "rb").read().decode("utf-8", "surrogateescape")
            lines = data.split("\n")
            if data.endswith("\n") or data == "":
                lines = lines[:-1]
            texts += lines
    return texts


def single_pattern_argv(case, root):
    """grep -P's command line for several patterns: one pattern (?:p1)|(?:p2)."""
    sources, rest = pattern_sources(case.argv(), case.pattern_operand)
    texts = pattern_texts(sources, root, case.stdin_file)
    if not texts:
        return None
    return ["-e", "|".join("(?:%s)" % t for t in texts)] + rest


# Constructs with which -U (a match may span lines, one subject per file) can
# select other lines than grep does: a deliberate difference.
SPANS_LINES = re.compile(r"\\[^bBwd.()$\[\]{}*+?|^]|\[\^|\(\?[<=!s]|\[\[:|\\[sSR]")


VALUE_WORDS = {"-e", "-f", "-m", "-A", "-B", "-C", "-d", "-D", "--regexp", "--file", "--max-count",
               "--after-context", "--before-context", "--context", "--label", "--include", "--exclude",
               "--exclude-dir", "--group-separator", "--binary-files", "--directories", "--devices"}


def grep_argv(case, argv):
    """grep's command line: without mmgrep's own options, -P unless -F."""
    out = []
    i = 0
    after = False
    while i < len(argv):
        a = argv[i]
        if not after:
            if a in VALUE_WORDS:
                out += argv[i:i + 2]
                i += 2
                continue
            if a == "--":
                after = True
            elif a in ("--stats",) or a.startswith("--threads") or re.fullmatch(r"-j\d*", a):
                if a == "-j":
                    i += 1
                i += 1
                continue
        out.append(a)
        i += 1
    return out if case.fixed else ["-P"] + out


# ---------------------------------------------------------------------------
# Running and comparing


def run(argv, cwd, stdin_path, extra_env=None, pipe=False):
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    for name in ["GREP_COLORS", "GREP_COLOR", "POSIXLY_CORRECT", "TERM"]:
        env.pop(name, None)
    env.update(extra_env or {})
    if pipe and stdin_path:
        with open(stdin_path, "rb") as handle:
            data = handle.read()
        try:
            p = subprocess.run(argv, cwd=cwd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, timeout=TIMEOUT)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return "timeout", b"", b""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run(argv, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""
    finally:
        if stdin_path:
            stdin.close()


DEFINED_STDERR = [b"binary file matches", b"No such file or directory", b"Is a directory",
                  b"Permission denied", b"recursive directory loop", b"input file"]


def normalize_stderr(data):
    lines = []
    for line in data.split(b"\n"):
        for prefix in (b"/usr/bin/grep: ", b"grep: "):
            if line.startswith(prefix):
                line = b"mmgrep: " + line[len(prefix):]
        lines.append(line)
    return b"\n".join(lines)


def documented_difference(case, argv, root):
    """Whether a mismatch may come from a difference README.md documents."""
    text = " ".join(argv)
    max_count = re.search(r"(?:-m ?|--max-c[a-z-]*[= ])(-?\d+)", text)
    # After -m stops, grep moves a regular-file standard input back to just
    # after the last selected line, so a second "-" reads on from there; from
    # a pipe, it reads on after its last 96 KiB read, which mmgrep (reading a
    # pipe to its end first) does not.
    if max_count and case.stdin_file and case.operands.count("-") > 1:
        return True
    # After a line longer than its buffer, grep reads larger pieces, for that
    # file and the next ones: its binary-file decision then differs.
    names = [os.path.join(root, case.cwd, o) for o in case.operands]
    if any(os.path.basename(n) == "long-line.txt" for n in names):
        for n in names:
            if os.path.isfile(n):
                with open(n, "rb") as handle:
                    if b"\0" in handle.read():
                        return True
    # -v with a negative -m: grep splits runs of lines at its 96 KiB reads.
    if max_count and int(max_count.group(1)) < 0 and re.search(r"(^| )-[a-zA-Z]*v|--inv", text):
        names = [os.path.join(root, case.cwd, o) for o in case.operands] + \
            ([os.path.join(root, case.stdin_file)] if case.stdin_file else [])
        if any(os.path.isfile(n) and os.path.getsize(n) > READ_SIZE for n in names) or any(
                o.startswith("tree") for o in case.operands) or case.cwd != ".":
            return True
    return False


def compare(case, root, mmgrep):
    cwd = os.path.join(root, case.cwd)
    stdin_path = os.path.join(root, case.stdin_file) if case.stdin_file else None
    if case.stdin_pipe and stdin_path:
        # grep's binary decision on a pipe depends on how much each read returns
        # (a documented difference): pipe only files without NUL bytes.
        with open(stdin_path, "rb") as handle:
            if b"\0" in handle.read():
                case.stdin_pipe = False
    argv = case.argv()
    mine = run([mmgrep] + argv, cwd, stdin_path, case.env, case.stdin_pipe)
    grep_words = grep_argv(case, argv)
    theirs = run([GREP] + grep_words, cwd, stdin_path, case.env, case.stdin_pipe)
    note = ""
    if b"the -P option only supports a single pattern" in theirs[2]:
        single = single_pattern_argv(case, root)
        if single is None:
            return None
        grep_words = grep_argv(case, single)
        theirs = run([GREP] + grep_words, cwd, stdin_path, case.env, case.stdin_pipe)
        note = " (grep given one pattern)"
    problems = []
    if mine[0] == "timeout":
        problems.append("mmgrep timed out")
    elif mine[0] < 0:
        problems.append("mmgrep died with signal %d" % -mine[0])
    if theirs[0] == "timeout":
        return None
    if mine[0] != theirs[0]:
        problems.append("exit %s, grep %s" % (mine[0], theirs[0]))
    if theirs[1].startswith(b"Usage: grep") and mine[1].startswith(b"OVERVIEW: "):
        pass
    elif mine[1] != theirs[1]:
        if case.operands and any(o.startswith("tree") for o in case.operands) or case.cwd != ".":
            if sorted(mine[1].split(b"\n")) == sorted(theirs[1].split(b"\n")):
                problems.append("stdout order differs")
            else:
                problems.append("stdout differs")
        else:
            problems.append("stdout differs")
    grep_err = normalize_stderr(theirs[2])
    if not case.stats and any(m in grep_err for m in DEFINED_STDERR) and mine[2] != grep_err:
        problems.append("stderr differs")
    if not problems:
        return None
    if documented_difference(case, argv, root):
        return None
    if "-U" in argv or "--multiline" in argv:
        sources, _ = pattern_sources(argv, case.pattern_operand)
        if any(SPANS_LINES.search(t) for t in pattern_texts(sources, root, case.stdin_file)):
            return None
    return {"problems": problems, "env": case.env, "argv": argv, "grep": grep_words, "cwd": case.cwd, "stdin": case.stdin_file,
            "pipe": case.stdin_pipe,
            "mine": mine, "theirs": theirs, "note": note}


def shell_line(words):
    return " ".join(shlex.quote(w) for w in words)


def report(index, result, verbose):
    where = "" if result["cwd"] == "." else "cd %s && " % result["cwd"]
    stdin = " < " + result["stdin"] if result["stdin"] and not result["pipe"] else ""
    where += "".join("%s=%s " % (k, shlex.quote(v)) for k, v in result["env"].items())
    if result["pipe"]:
        where += "cat %s | " % shlex.quote(result["stdin"])
    print("MISMATCH %s: %s%s" % (index, "; ".join(result["problems"]), result["note"]))
    print("  %smmgrep %s%s" % (where, shell_line(result["argv"]), stdin))
    print("  %sgrep %s%s" % (where, shell_line(result["grep"]), stdin))
    if verbose:
        for label, run_result in [("mmgrep", result["mine"]), ("grep", result["theirs"])]:
            print("  --- %s exit %s" % (label, run_result[0]))
            print("  stdout: %r" % run_result[1][:2000])
            print("  stderr: %r" % run_result[2][:1000])
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mmgrep", default=None, help="the mmgrep binary (default: .build/release/mmgrep)")
    parser.add_argument("--samplelog", default=None, help="the samplelog binary (default: .build/release/samplelog if built)")
    parser.add_argument("--workdir", default=None, help="where to build the corpus (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus")
    parser.add_argument("--replay", default=None, help="SEED:INDEX: run one case and show both outputs")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--max-report", type=int, default=200)
    args = parser.parse_args()

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mmgrep = os.path.abspath(args.mmgrep or os.path.join(here, ".build/release/mmgrep"))
    if not os.access(mmgrep, os.X_OK):
        sys.exit("no mmgrep binary at %s: swift build -c release --product mmgrep" % mmgrep)
    samplelog = args.samplelog or os.path.join(here, ".build/release/samplelog")
    if not os.access(samplelog, os.X_OK):
        samplelog = None

    seed = args.seed
    only = None
    if args.replay:
        seed, only = (int(x) for x in args.replay.split(":"))
    root = args.workdir or tempfile.mkdtemp(prefix="grep-diff-")
    os.makedirs(root, exist_ok=True)
    corpus_rng = random.Random(seed)
    files, big, words = build_corpus(root, corpus_rng, mmgrep, samplelog)
    pm = PatternMaker(random.Random(seed + 1), big, words)

    mismatches = 0
    ran = 0
    try:
        for index in range(args.cases if only is None else only + 1):
            rng = random.Random(seed * 1_000_003 + index)
            case = make_simple_case(rng, pm, files) if rng.random() < 0.3 else make_case(rng, pm, files)
            if only is not None and index != only:
                continue
            result = compare(case, root, mmgrep)
            ran += 1
            if result:
                mismatches += 1
                if mismatches <= args.max_report:
                    report("%d:%d" % (seed, index), result, args.verbose or only is not None)
            elif only is not None:
                print("case %d:%d matches: mmgrep %s" % (seed, index, shell_line(case.argv())))
            if ran % 1000 == 0:
                print("... %d cases, %d mismatches" % (ran, mismatches), file=sys.stderr)
    finally:
        if args.workdir is None and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        elif args.keep:
            print("corpus kept in %s" % root, file=sys.stderr)
    print("%d cases, %d mismatches" % (ran, mismatches))
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
