#!/usr/bin/env python3
"""Differential check of ByteBuffer's two backends against CPython's mmap.

Generates random sessions (a buffer made from random bytes, then random
operations) from a seed, runs each on CPython's `mmap` (a file mapping made with
ACCESS_WRITE, ACCESS_READ or ACCESS_COPY), and through the MmapDiff tool
(Fuzz/Sources/MmapDiff) on HeapByteBuffer and on MappedByteBuffer, then compares
every outcome line: the value, the position after the operation, and the kind
of error (CPython's exception mapped to a ByteBufferError case, as the README's
table says). The script language is described in Tests/TestSupport/MmapScript.swift.

The documented differences ("Differences from Python" in the README) are
applied to CPython's outcome before comparing, and only those:

  * find/rfind without a start search from 0 (CPython: from the position);
  * read_byte() at the end returns nil (CPython: ValueError);
  * a negative index is out of range (CPython counts it from the end);
  * a slice is a Range within 0...count (CPython clamps it): another range
    throws outOfRange after the closed and read-only checks;
  * len() answers on a closed buffer (0);
  * flush/madvise ranges need no page alignment (CPython: OSError EINVAL);
  * madvise() with no range is accepted on an empty buffer;
  * an empty file maps to an empty buffer, resize(0) gives one (CPython
    refuses both): such states run on a transcription of CPython's own code
    paths for a map of size 0 (EmptyMap below), since CPython cannot make one;
  * a failed resize puts the file's size back (CPython leaves it truncated);
  * HeapByteBuffer: size() is count, there is no file, no copy-on-write mode,
    and a resize is limited only by memory (no offset).

Usage:
  scripts/python-mmap-diff.py [--sessions N] [--seed S] [--ops N] [--tool PATH]
  scripts/python-mmap-diff.py --record 10 --record-kind common   # replay-test literals

Exit status: 0 when every session agrees, 1 on any divergence, 2 on a usage
or build error.
"""

import argparse
import collections
import errno as errno_codes
import mmap
import os
import random
import subprocess
import sys
import tempfile

MAX = 2**63 - 1
MIN = -(2**63)
PAGE = mmap.PAGESIZE
ACCESS = {"rw": mmap.ACCESS_WRITE, "ro": mmap.ACCESS_READ, "copy": mmap.ACCESS_COPY}
ADVICE = {
    "normal": mmap.MADV_NORMAL,
    "random": mmap.MADV_RANDOM,
    "sequential": mmap.MADV_SEQUENTIAL,
    "willneed": mmap.MADV_WILLNEED,
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Modelled(Exception):
    """An outcome of a documented difference, not raised by CPython itself."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def hexs(data):
    return bytes(data).hex()


def error_kind(exc):
    """The ByteBufferError case for a CPython exception (README's table)."""
    if isinstance(exc, Modelled):
        return exc.kind
    message = str(exc)
    if isinstance(exc, ValueError) and "closed or invalid" in message:
        return "closed"
    if isinstance(exc, TypeError):
        return "readOnly"
    if isinstance(exc, IndexError) and "wrong size" in message:
        return "invalidArgument"
    if isinstance(exc, ValueError) and "new size out of range" in message:
        return "invalidArgument"
    if isinstance(exc, (ValueError, IndexError)):
        return "outOfRange"
    if isinstance(exc, OSError):
        return "system"
    return "python-" + type(exc).__name__


class EmptyMap:
    """CPython 3.11's mmap code paths (Modules/mmapmodule.c) with size == 0.

    CPython cannot make such a map (an empty file, mmap(-1, 0) and resize(0)
    all fail), while both Swift backends can. Each method below is the C code
    of the method with `self->size` replaced by 0; the messages are CPython's.
    """

    def __init__(self, fd, access, offset, pos):
        self.fd, self.access, self.offset, self.pos = fd, access, offset, pos
        self.closed = False

    def _valid(self):
        if self.closed:
            raise ValueError("mmap closed or invalid")

    def _writable(self):
        if self.access == mmap.ACCESS_READ:
            raise TypeError("mmap can't modify a readonly memory map.")

    def __len__(self):
        self._valid()
        return 0

    def tell(self):
        self._valid()
        return self.pos

    def read(self, n=None):
        self._valid()
        return b""

    def read_byte(self):
        self._valid()
        raise ValueError("read byte out of range")

    def readline(self):
        self._valid()
        return b""

    def write(self, data):
        self._valid()
        self._writable()
        if self.pos > 0 or len(data) > 0:
            raise ValueError("data out of range")
        return 0

    def write_byte(self, value):
        self._valid()
        self._writable()
        raise ValueError("write byte out of range")

    def seek(self, dist, how=0):
        self._valid()
        where = {0: dist, 1: self.pos + dist, 2: dist}[how]
        if where != 0:
            raise ValueError("seek out of range")
        self.pos = 0

    def _find(self, sub, start=None, end=None):
        self._valid()
        # start and end are clamped to 0...0, so start <= end always holds.
        return 0 if len(sub) == 0 else -1

    find = rfind = _find

    def __getitem__(self, item):
        self._valid()
        if isinstance(item, slice):
            return b""
        raise IndexError("mmap index out of range")

    def __setitem__(self, item, value):
        self._valid()
        self._writable()
        if isinstance(item, slice):
            if len(value) != 0:
                raise IndexError("mmap slice assignment is wrong size")
            return
        raise IndexError("mmap index out of range")

    def move(self, dest, src, count):
        self._valid()
        self._writable()
        if dest < 0 or src < 0 or count < 0 or 0 - dest < count or 0 - src < count:
            raise ValueError("source, destination, or count out of range")

    def flush(self, offset=0, size=0):
        self._valid()
        if size < 0 or offset < 0 or 0 - offset < size:
            raise ValueError("flush values out of range")

    def madvise(self, option, start=0, length=0):
        self._valid()
        raise ValueError("madvise start out of bounds")  # start >= size always

    def size(self):
        self._valid()
        return os.fstat(self.fd).st_size

    def resize(self, new_size):
        # Only the checks: PythonSession.resize does the rest.
        self._valid()
        if self.access != mmap.ACCESS_WRITE:
            raise TypeError("mmap can't resize a readonly or copy-on-write memory map.")
        if new_size < 0 or MAX - new_size < self.offset:
            raise ValueError("new size out of range")

    def close(self):
        self.closed = True


class PythonSession:
    """One session on CPython, producing the outcome lines each backend must print."""

    def __init__(self, words, directory, index):
        self.access_name = words[1]
        self.anonymous = self.access_name == "anon"
        self.saved_pos = 0
        self.m = None
        self.offset = 0
        self.path = None
        self.fd = -1
        self.hidden = b""
        if self.anonymous:
            # mmap(-1, n) is MAP_SHARED, whose growth past its first size
            # dies of SIGBUS; a private map behaves as ours does in one process.
            self.access = mmap.ACCESS_WRITE
            count = int(words[2])
            self.m = EmptyMap(-1, self.access, 0, 0) if count == 0 else mmap.mmap(-1, count, flags=mmap.MAP_PRIVATE)
            self.init_line = "ok none 0"
            return
        self.content = bytes.fromhex(words[2])
        self.offset = int(words[3]) if len(words) > 3 else 0
        self.length = int(words[4]) if len(words) > 4 else 0
        # documented: any offset. CPython needs a page-aligned one, so an
        # unaligned offset runs on a file holding what follows it (mapped at
        # 0); the bytes before it only show in size() and the file's contents.
        whole = self.offset == 0 and self.length == 0
        if self.offset > 0 and self.offset % PAGE:
            if self.offset > len(self.content):
                self.content = b"\0" * PAGE  # any file too short for the mapping: a mapping error
                self.length = PAGE + 1
            self.hidden, self.content, self.offset = self.content[: self.offset], self.content[self.offset :], 0
        self.path = os.path.join(directory, "cpython-%d" % index)
        with open(self.path, "wb") as f:
            f.write(self.content)
        self.fd = os.open(self.path, os.O_RDWR)
        # HOW (path, fd, raw) is the same mmap call here: raw flags mean the
        # ACCESS they stand for (a raw private map cannot be resized: documented).
        self.access = ACCESS[self.access_name]
        try:
            if len(self.content) == 0 and whole:
                self.m = EmptyMap(self.fd, self.access, 0, 0)  # Swift maps an empty file
            else:
                self.m = mmap.mmap(self.fd, self.length, access=self.access, offset=self.offset)
            self.init_line = "ok none 0"
        except (ValueError, OverflowError):
            self.init_line = "err invalidArgument -1"
        except OSError:
            self.init_line = "err system -1"

    def finish(self):
        if self.m is not None and not self.m.closed:
            self.m.close()
        if self.path is not None:
            os.close(self.fd)
            os.unlink(self.path)

    @property
    def ok(self):
        return self.m is not None

    @property
    def closed(self):
        return self.m.closed

    def count(self):
        return 0 if self.m.closed else len(self.m)

    def position(self):
        return -1 if self.m.closed else self.m.tell()

    def snapshot(self):
        return b"" if self.m.closed else bytes(self.m[:])

    def step(self, words):
        """Runs one operation; returns its outcome line."""
        try:
            value = self.call(words[0], words[1:])
            if value == "n/a":
                return value
            return "ok %s %d" % (value, self.position())
        except Exception as exc:  # noqa: BLE001 - every exception is an outcome
            return "err %s %d" % (error_kind(exc), self.position())

    def call(self, name, a):
        m = self.m
        if name == "read":
            return hexs(m.read(int(a[0])))
        if name == "readall":
            return hexs(m.read())
        if name == "readnone":
            return hexs(m.read(None))
        if name == "readbyte":
            try:
                return str(m.read_byte())
            except ValueError as exc:
                if "read byte out of range" in str(exc):
                    return "nil"  # documented: readByte() returns nil at the end
                raise
        if name == "readline":
            return hexs(m.readline())
        if name in ("write", "writes"):
            return str(m.write(bytes.fromhex(a[0])))
        if name == "writebyte":
            m.write_byte(int(a[0]))
            return "none"
        if name == "seek":
            m.seek(int(a[0]), int(a[1]) if len(a) > 1 else 0)
            return str(m.tell())  # Swift returns the new position (as CPython 3.13)
        if name == "tell":
            return str(m.tell())  # ValueError once closed, as Swift's tell() throws .closed
        if name == "len":
            return "0" if m.closed else str(len(m))
        if name == "size":
            if self.anonymous:
                return str(len(m))  # documented: count (CPython raises OSError)
            return str(len(self.hidden) + m.size())
        if name == "closed":
            return "true" if m.closed else "false"
        if name == "close":
            if not m.closed:
                self.saved_pos = m.tell()
            m.close()
            return "none"
        if name in ("find", "rfind", "findb", "rfindb", "finds", "rfinds"):
            sub = bytes([int(a[0])]) if name.endswith("b") else bytes.fromhex(a[0])
            start = int(a[1]) if len(a) > 1 and a[1] != "_" else 0  # documented: default 0
            method = m.rfind if name.startswith("r") else m.find
            if len(a) > 2 and a[2] != "n":
                return str(method(sub, start, int(a[2])))
            return str(method(sub, start))
        if name == "getitem":
            index = int(a[0])
            return str(m[index if index >= 0 else MAX])  # documented: negative = out of range
        if name == "setitem":
            index = int(a[0])
            m[index if index >= 0 else MAX] = int(a[1])
            return "none"
        if name == "getslice":
            i, j = int(a[0]), int(a[1])
            if m.closed:
                m[0:0]  # raises CPython's closed error
            if not (0 <= i <= j <= len(m)):
                raise Modelled("outOfRange")  # documented: ranges are not clamped
            return hexs(m[i:j])
        if name == "setslice":
            i, j, value = int(a[0]), int(a[1]), bytes.fromhex(a[2])
            if m.closed or self.access == mmap.ACCESS_READ:
                m[0:0] = b""  # raises CPython's closed or read-only error
            if not (0 <= i <= j <= len(m)):
                raise Modelled("outOfRange")
            m[i:j] = value
            return "none"
        if name == "all":
            return hexs(m[:])
        if name == "iter":
            if m.closed:
                return ""  # documented: the bytes view of a closed buffer is empty
            return hexs(b"".join(iter(m)))
        if name == "position":
            m.seek(int(a[0]))  # the generator keeps it within 0...count
            return "none"
        if name == "move":
            m.move(int(a[0]), int(a[1]), int(a[2]))
            return "none"
        if name == "resize":
            return self.resize(int(a[0]))
        if name in ("flush", "flushasync"):
            try:
                if len(a) == 2:
                    m.flush(int(a[0]), int(a[1]))
                else:
                    m.flush()
            except OSError as exc:
                if exc.errno != errno_codes.EINVAL:
                    raise
                # documented: the start is rounded down to a page (CPython passes it on)
            return "none"
        if name == "madvise":
            option = ADVICE[a[0]]
            if len(a) == 1 and not m.closed and len(m) == 0:
                return "none"  # documented: advise(_:) is accepted on an empty buffer
            try:
                m.madvise(option, *[int(x) for x in a[1:]])
            except OSError as exc:
                if exc.errno != errno_codes.EINVAL:
                    raise
            return "none"
        if name == "file":
            if self.anonymous:
                return "n/a"
            with open(self.path, "rb") as f:
                return hexs(self.hidden + f.read())
        raise RuntimeError("unknown operation " + name)

    def resize(self, n):
        m = self.m
        if m.closed or self.access != mmap.ACCESS_WRITE or n < 0 or MAX - n < self.offset:
            m.resize(n)  # CPython's closed, TypeError or ValueError
            return "none"
        if MAX - n < len(self.hidden):
            raise ValueError("new size out of range")  # CPython's rule, for the real offset
        pos = m.tell()
        if self.anonymous:
            return self.resize_anonymous(n, pos)
        if n == 0:
            # CPython truncates the file to offset, then mremap(..., 0) fails
            # with EINVAL: our buffers become empty instead (documented).
            if isinstance(m, EmptyMap):
                os.ftruncate(self.fd, self.offset)
            else:
                try:
                    m.resize(0)
                except OSError:
                    pass
                m.close()
            self.m = EmptyMap(self.fd, self.access, self.offset, pos)
            return "none"
        if isinstance(m, EmptyMap):
            # Growing an empty buffer maps the file again, as CPython's resize would.
            try:
                os.ftruncate(self.fd, self.offset + n)
                self.m = mmap.mmap(self.fd, n, access=self.access, offset=self.offset)
            except OSError:
                os.ftruncate(self.fd, self.offset)  # documented: the size is put back
                raise
            assert pos <= n, "the generator keeps the position inside"
            self.m.seek(pos)
            return "none"
        size = os.fstat(self.fd).st_size
        try:
            m.resize(n)
        except OSError:
            os.ftruncate(self.fd, size)  # documented: the file's size is put back
            raise
        return "none"


    def resize_anonymous(self, n, pos):
        m = self.m
        if n == 0:
            if not isinstance(m, EmptyMap):
                m.close()
            self.m = EmptyMap(-1, self.access, 0, pos)
            return "none"
        if isinstance(m, EmptyMap):
            self.m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE)
            assert pos <= n, "the generator keeps the position inside"
            self.m.seek(pos)
            return "none"
        old = len(m)
        m.resize(n)
        if n > old:
            # documented: growing adds zeros (mremap brings back the bytes a
            # shrink left in the last page)
            m[old:n] = bytes(n - old)
        return "none"


# ---------------------------------------------------------------- generation

BYTE_POOL = [0x61, 0x62, 0x63, 0x0A, 0x0A, 0x00, 0xFF, 0x7A]
EXTREMES = [MAX, MIN, MAX - 1, MIN + 1, 2**62, -(2**62), 2**31, -(2**31), 2**32]


def random_bytes(rng, n):
    return bytes(rng.choice(BYTE_POOL) if rng.random() < 0.8 else rng.randrange(256) for _ in range(n))


def near(rng, n):
    r = rng.random()
    if r < 0.65:
        return rng.randint(-2, n + 2)
    if r < 0.85:
        return rng.randint(-n - 3, n + 3)
    if r < 0.93:
        return rng.choice(EXTREMES)
    return rng.choice([PAGE - 1, PAGE, PAGE + 1, 2 * PAGE, n - PAGE, -PAGE])


def needle(rng, data):
    if data and rng.random() < 0.5:
        i = rng.randrange(len(data))
        return data[i : i + rng.randint(0, 3)]
    return random_bytes(rng, rng.choice([0, 1, 1, 2, 3]))


def new_session_init(rng):
    r = rng.random()
    access = rng.choice(["rw"] * 6 + ["ro"] * 3 + ["copy"] * 1)
    if r < 0.05:
        return ["init", access, ""]
    if r < 0.12:
        return ["init", "anon", str(rng.choice([0, 1, 5, 17, PAGE, PAGE + 3]))]
    if r < 0.20:
        content = random_bytes(rng, rng.randint(1, 24))
        return ["init", access, content.hex(), "0", "0", rng.choice(["fd", "raw"])]
    if r < 0.22:
        # Mapping errors: a negative or too large offset or length.
        content = random_bytes(rng, rng.randint(0, 5))
        offset, length = rng.choice([(-1, 0), (0, -1), (0, len(content) + 1), (PAGE, 0), (len(content) + PAGE, 1)])
        return ["init", access, content.hex(), str(offset), str(length)]
    if r < 0.30:
        # An offset that is not a multiple of the page size (documented).
        content = random_bytes(rng, rng.choice([rng.randint(2, 40), rng.randint(PAGE, 3 * PAGE)]))
        offset = rng.randint(1, len(content) + 1)
        if offset % PAGE == 0:
            offset += 1
        length = rng.choice([0, 0, 0, 1, 5, len(content) - offset, len(content) - offset + 1])
        words = ["init", access, content.hex(), str(offset), str(max(length, 0))]
        if rng.random() < 0.3:
            words.append(rng.choice(["fd", "raw"]))
        return words
    if r < 0.85:
        return ["init", access, random_bytes(rng, rng.randint(1, 24)).hex()]
    # Page-sized files: page-aligned offsets, lengths, and the mapping's bounds.
    pages = rng.randint(1, 3)
    content = random_bytes(rng, pages * PAGE + rng.choice([0, 1, 17, PAGE - 1]))
    offset = rng.choice([0, 0, PAGE, PAGE * pages, PAGE * (pages + 1)])
    length = rng.choice([0, 0, 1, 100, PAGE, len(content) - offset, len(content) - offset + 1])
    words = ["init", access, content.hex()]
    if offset or length:
        words += [str(offset), str(max(length, 0))]
        if rng.random() < 0.3:
            words.append(rng.choice(["fd", "raw"]))
    return words


OPS = [
    ("read", 6), ("readall", 2), ("readnone", 1), ("readbyte", 4), ("readline", 4),
    ("write", 6), ("writebyte", 4), ("seek", 8), ("tell", 2), ("len", 1), ("size", 2),
    ("closed", 1), ("close", 1.2), ("find", 6), ("rfind", 5), ("findb", 2), ("rfindb", 2),
    ("getitem", 4), ("setitem", 4), ("getslice", 4), ("setslice", 4), ("all", 3),
    ("move", 4), ("resize", 4), ("flush", 4), ("flushasync", 1), ("madvise", 3), ("file", 2),
    ("writes", 1), ("finds", 1), ("rfinds", 1), ("iter", 1), ("position", 1),
]
OP_NAMES = [name for name, _ in OPS]
OP_WEIGHTS = [weight for _, weight in OPS]


def find_args(rng, n, data, byte):
    first = str(rng.randrange(256) if rng.random() < 0.3 else (data[0] if data else 0x61)) if byte else needle(rng, data).hex()
    form = rng.randrange(4)
    if form == 0:
        return [first]
    if form == 1:
        return [first, str(near(rng, n))]
    if form == 2:
        return [first, str(near(rng, n)), str(near(rng, n))]
    return [first, "_", str(near(rng, n))]


def new_op(rng, session):
    n = session.count()
    data = session.snapshot()
    pos = 0 if session.closed else session.m.tell()
    name = rng.choices(OP_NAMES, OP_WEIGHTS)[0]
    if name == "read":
        return [name, str(near(rng, n) if rng.random() < 0.8 else rng.choice([-1, 0, MAX]))]
    if name == "write":
        return [name, random_bytes(rng, rng.choice([0, 1, 1, 2, 3, 5, max(n - pos, 0), n + 1])).hex()]
    if name in ("writebyte",):
        return [name, str(rng.randrange(256))]
    if name == "seek":
        whence = rng.choice([None, 0, 1, 2])
        offset = near(rng, n) if whence != 1 else max(MIN, min(MAX, near(rng, n) - pos))
        if whence == 2 and rng.random() < 0.5:
            offset = -rng.randint(0, n + 1)
        return [name, str(offset)] + ([] if whence is None else [str(whence)])
    if name in ("find", "rfind"):
        return [name] + find_args(rng, n, data, False)
    if name in ("finds", "rfinds"):
        text = bytes(rng.choice(b"abc\n") for _ in range(rng.choice([0, 1, 2])))
        return [name, text.hex()] + find_args(rng, n, data, False)[1:]
    if name == "writes":
        return [name, bytes(rng.choice(b"abz\n") for _ in range(rng.choice([0, 1, 2, 3]))).hex()]
    if name == "position":
        if session.closed:
            return ["tell"]
        return [name, str(rng.randint(0, n))]
    if name in ("findb", "rfindb"):
        return [name] + find_args(rng, n, data, True)
    if name == "getitem":
        return [name, str(near(rng, n))]
    if name == "setitem":
        return [name, str(near(rng, n)), str(rng.randrange(256))]
    if name in ("getslice", "setslice"):
        i, j = sorted([near(rng, n), near(rng, n)])
        if name == "getslice":
            return [name, str(i), str(j)]
        right = j - i if 0 <= i <= j <= n else max(0, min(n, j) - max(0, i))
        length = right if rng.random() < 0.7 else max(0, right + rng.choice([-1, 1, 2]))
        return [name, str(i), str(j), random_bytes(rng, min(length, 64)).hex()]
    if name == "move":
        return [name, str(near(rng, n)), str(near(rng, n)), str(near(rng, n) if rng.random() < 0.7 else rng.randint(0, 4))]
    if name == "resize":
        r = rng.random()
        if r < 0.6:
            size = rng.randint(1, n + 10)
        elif r < 0.7:
            size = 0
        elif r < 0.78:
            size = rng.choice([-1, -2, MIN])
        elif r < 0.84:
            size = rng.choice([2**56, 2**60, MAX, MAX - 1])
        else:
            size = rng.randint(PAGE - 2, 3 * PAGE + 2)
        if isinstance(session.m, EmptyMap) and 0 < size < pos:
            size = pos  # CPython cannot place the position past the end of a new map
        return [name, str(size)]
    if name == "flush":
        if rng.random() < 0.3:
            return [name]
        offset = near(rng, n)
        size = rng.randint(0, n + 3) if rng.random() < 0.8 else rng.choice([0, PAGE, MAX])
        if offset + size > MAX:
            size = MAX - offset
        return [name, str(offset), str(size)]
    if name == "madvise":
        advice = rng.choice(list(ADVICE))
        form = rng.randrange(3)
        if form == 0:
            return [name, advice]
        start = near(rng, n)
        if form == 1:
            return [name, advice, str(start)]
        length = rng.randint(0, n + 3) if rng.random() < 0.8 else rng.choice([0, PAGE, MAX])
        if start + length > MAX:
            length = MAX - start
        return [name, advice, str(start), str(length)]
    return [name]


def heap_init(init):
    """The CPython session a HeapByteBuffer stands for: a whole-file map of
    just the bytes the mapping shows (so size() is count, growing adds zeros,
    no offset limits a resize), or None where the heap has no counterpart."""
    if init[1] == "anon":
        return init
    access, content = init[1], bytes.fromhex(init[2])
    if access == "copy":
        return None
    offset = int(init[3]) if len(init) > 3 else 0
    length = int(init[4]) if len(init) > 4 else 0
    shown = content[offset:] if length == 0 else content[offset : offset + length]
    return ["init", access, shown.hex()]


def generate(seed, sessions, max_ops, directory):
    """Yields (script lines, mapped outcomes, heap outcomes) per session.

    The operations are drawn from the state of the CPython session that
    stands for the mapping; the heap's CPython session replays them.
    """
    rng = random.Random(seed)
    for index in range(sessions):
        init = new_session_init(rng)
        session = PythonSession(init, directory, index)
        lines, mapped = [" ".join(init)], [session.init_line]
        try:
            if session.ok:
                closed_ops = 0
                for _ in range(rng.randint(1, max_ops)):
                    words = new_op(rng, session)
                    lines.append(" ".join(words))
                    mapped.append(session.step(words))
                    if session.closed:
                        closed_ops += 1
                        if closed_ops > 4:
                            break
        finally:
            session.finish()
        heap = ["n/a"] * len(lines)
        twin = heap_init(init) if session.ok else None
        if twin is not None:
            session = PythonSession(twin, directory, index)
            try:
                heap[0] = session.init_line
                for number, line in enumerate(lines[1:], 1):
                    words = line.split(" ")
                    heap[number] = "n/a" if words[0] == "file" else session.step(words)
            finally:
                session.finish()
        yield lines, mapped, heap


# ---------------------------------------------------------------- running

def build_tool():
    command = [
        "swift", "build", "--package-path", os.path.join(ROOT, "Fuzz"),
        "--scratch-path", os.path.join(ROOT, "Fuzz", ".build-diff"), "--product", "MmapDiff",
    ]
    print("building MmapDiff:", " ".join(command), file=sys.stderr)
    if subprocess.run(command, stdout=sys.stderr).returncode != 0:
        sys.exit(2)
    path = subprocess.run(command + ["--show-bin-path"], capture_output=True, text=True).stdout.strip()
    return os.path.join(path, "MmapDiff")


def run_tool(tool, target, sessions, directory):
    """Runs every session through MmapDiff; returns the outcome lines per session.

    When the tool dies, the session it was running gets its outcomes so far
    and a last line naming the crash, and the tool starts again after it.
    """
    outputs = []
    crashes = 0
    while len(outputs) < len(sessions):
        first = len(outputs)
        script = "\n\n".join("\n".join(lines) for lines, _, _ in sessions[first:]) + "\n"
        result = subprocess.run([tool, target, directory], input=script, capture_output=True, text=True)
        chunks = result.stdout.split("\n\n")
        complete = chunks[:-1] if result.returncode != 0 else chunks
        outputs += [chunk.strip("\n").split("\n") if chunk.strip("\n") else [] for chunk in complete]
        if result.returncode != 0:
            crashes += 1
            partial = chunks[-1].strip("\n").split("\n") if chunks[-1].strip("\n") else []
            reason = next((line for line in result.stderr.splitlines() if "rror" in line), "")
            outputs.append(partial + ["(MmapDiff died with status %d: %s)" % (result.returncode, reason.strip()[:200])])
    return outputs[: len(sessions)], crashes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ops", type=int, default=40, help="most operations per session")
    parser.add_argument("--tool", help="a built MmapDiff (default: build it)")
    parser.add_argument("--backends", default="heap,mapped")
    parser.add_argument("--dir", default=None,
                        help="where the mapped files go (default: a new directory under $TMPDIR; try /dev/shm)")
    parser.add_argument("--show", type=int, default=5, help="divergences printed in full")
    parser.add_argument("--dump", type=int, help="print session N's script and CPython's outcomes, whole")
    parser.add_argument("--record", type=int, default=0, help="print N sessions as replay-test literals")
    parser.add_argument("--record-kind", choices=["common", "mapped"], default="common",
                        help="common: sessions both backends must give alike; mapped: the others")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mmap-diff-", dir=options.dir) as directory:
        sessions = list(generate(options.seed, options.sessions, options.ops, directory))
        if options.dump is not None:
            lines, mapped, heap = sessions[options.dump]
            for line, want_mapped, want_heap in zip(lines, mapped, heap):
                print("%s => %s  |heap: %s" % (line, want_mapped, want_heap))
            return 0
        if options.record:
            record(sessions, options.record, options.record_kind)
            return 0
        tool = options.tool or build_tool()
        divergences = collections.Counter()
        shown = 0
        failed = 0
        compared = 0
        for target in options.backends.split(","):
            outputs, crashes = run_tool(tool, target, sessions, directory)
            failed += crashes
            for index, (lines, mapped, heap) in enumerate(sessions):
                expected = mapped if target == "mapped" else heap
                actual = outputs[index] if index < len(outputs) else []
                compared += len(expected)
                for number, want in enumerate(expected):
                    got = actual[number] if number < len(actual) else "(no output)"
                    if got == want:
                        continue
                    divergences[(target, lines[number].split(" ")[0])] += 1
                    if shown < options.show:
                        shown += 1
                        print("== %s, session %d (seed %d), operation %d: `%s`" % (
                            target, index, options.seed, number, lines[number][:200]))
                        print("   expected (CPython): %s" % want[:300])
                        print("   actual:             %s" % got[:300])
                        print("   script so far:")
                        for line, outcome in zip(lines[: number + 1], expected):
                            print("     %s => %s" % (line[:200], outcome[:200]))
                    break
        total = sum(divergences.values())
        print("%d sessions x %d backends, %d outcome lines compared, %d sessions diverged, %d crashes" % (
            len(sessions), len(options.backends.split(",")), compared, total, failed))
        for (target, name), count in sorted(divergences.items()):
            print("  %s %s: %d" % (target, name, count))
        return 1 if total or failed else 0


def record(sessions, wanted, kind):
    """Prints sessions in the replay format of Tests/ByteBufferTests/PythonSessionTests.swift."""
    printed = 0
    for lines, mapped, heap in sessions:
        common = mapped == heap
        if (kind == "common") != common or len(lines) < 6 or len(lines[0]) > 200:
            continue
        if any(len(line) > 200 for line in lines):
            continue
        print("\n".join("%s => %s" % pair for pair in zip(lines, mapped)))
        print()
        printed += 1
        if printed == wanted:
            break


if __name__ == "__main__":
    sys.exit(main())
