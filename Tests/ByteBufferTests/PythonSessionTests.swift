import ByteBuffer
import MappedBuffer
import TestSupport
import Testing

/// Random operation sequences run against CPython 3.11's `mmap`, with the
/// result and position Python gave after each step, replayed on both backends.
///
/// Each line is `operation arguments => outcome result position`, where the
/// outcome is `ok` or `err` with the error's kind (`ValueError` about a closed
/// map → `closed`; other `ValueError`/`IndexError` → `outOfRange`; the slice
/// `IndexError: wrong size` → `invalidArgument`; `TypeError` → `readOnly`),
/// bytes are hex, and the position is -1 once closed. Recorded from
/// `mmap.mmap(-1, n)` (rw) or an `ACCESS_READ` file mapping (ro), with
/// `find`/`rfind` always given an explicit start (our default start differs)
/// and new bytes after a grow zeroed (CPython's anonymous map may resurface
/// old ones: a documented difference).
let recordedPythonSessions = """
init rw 0add6162612764620a62 => ok none 0
move -2 -9 6 => err outOfRange 0
writebyte 30 => ok none 1
setslice 3 7 9b6261 => err invalidArgument 1
setitem 1 193 => ok none 1
seek 1 1 => ok none 2
readbyte => ok 97 3
all => ok 1ec16162612764620a62 3
resize 2 => ok none 3

init ro 800a61620a => ok none 0
all => ok 800a61620a 0
len => ok 5 0
tell => ok 0 0
flush 2 1 => ok none 0
write c80a => err readOnly 0
find  1 n => ok 1 0
setitem 0 110 => err readOnly 0
read 5 => ok 800a61620a 5
setitem 2 22 => err readOnly 5
resize 2 => err readOnly 5
tell => ok 5 5
rfind 0a 8 1 => ok -1 5
getslice 4 5 => ok 0a 5
seek 7 2 => err outOfRange 5
setitem 0 71 => err readOnly 5
resize 6 => err readOnly 5
setitem 6 156 => err readOnly 5
write db62 => err readOnly 5
writebyte 245 => err readOnly 5
seek -4 0 => err outOfRange 5
read 2 => ok  5
resize 11 => err readOnly 5
readall => ok  5
readbyte => err outOfRange 5
setitem 6 84 => err readOnly 5
all => ok 800a61620a 5
move -1 2 2 => err readOnly 5

init rw 620a61f4100a => ok none 0
readline => ok 620a 2
len => ok 6 2
resize 12 => ok none 2

init rw 8f => ok none 0
all => ok 8f 0
rfind 62 3 n => ok -1 0
flush 0 1 => ok none 0
read -1 => ok 8f 1
setslice 1 1 44 => err invalidArgument 1
all => ok 8f 1
move -2 -1 1 => err outOfRange 1
writebyte 51 => err outOfRange 1
seek -2 1 => err outOfRange 1
setitem 2 30 => err outOfRange 1
read 0 => ok  1
readline => ok  1
write 62610a => err outOfRange 1
write 34 => err outOfRange 1
writebyte 36 => err outOfRange 1
write 612d => err outOfRange 1
seek -3 2 => err outOfRange 1
readbyte => err outOfRange 1
readbyte => err outOfRange 1
rfind cd 0 n => ok -1 1

init rw 61291d61ac620062 => ok none 0
write 0a6261 => ok 3 3
all => ok 0a626161ac620062 3
flush 5 8 => err outOfRange 3
find 85 8 n => ok -1 3
write 0aba => ok 2 5
len => ok 8 5
tell => ok 5 5

init rw 08 => ok none 0
readall => ok 08 1
rfind 0a -4 4 => ok -1 1
seek 2 0 => err outOfRange 1
getitem 2 => err outOfRange 1
readline => ok  1
tell => ok 1 1
rfind 6261 1 n => ok -1 1
len => ok 1 1
read 1 => ok  1
flush -1 1 => err outOfRange 1
getitem 0 => ok 8 1
readline => ok  1
setslice 0 1 0a => ok none 1
all => ok 0a 1
rfind 95 3 n => ok -1 1
flush -1 0 => err outOfRange 1
getslice 0 1 => ok 0a 1
all => ok 0a 1
getitem 1 => err outOfRange 1
move 0 1 2 => err outOfRange 1

init rw 6209620a0a7161 => ok none 0
getitem 8 => err outOfRange 0
write 626262 => ok 3 3
find 620a -2 n => ok -1 3
readline => ok 0a 4
readbyte => ok 10 5
find  -9 n => ok 0 5
read 6 => ok 7161 7

init rw 6561 => ok none 0
write 0a => ok 1 1
all => ok 0a61 1
move -1 -2 -1 => err outOfRange 1
find  4 1 => ok -1 1
readline => ok 61 2
resize 8 => ok none 2
readline => ok 000000000000 8
writebyte 5 => err outOfRange 8
rfind 91 7 -9 => ok -1 8
rfind  11 n => ok 8 8
read 0 => ok  8
setitem 2 208 => ok none 8
resize 4 => ok none 8
readline => ok  8
all => ok 0a61d000 8
flush 5 0 => err outOfRange 8
readbyte => err outOfRange 8
setslice 1 3 0a0a0a => err invalidArgument 8
setitem 5 246 => err outOfRange 8
tell => ok 8 8
setslice 2 2  => ok none 8
getitem 4 => err outOfRange 8
readline => ok  8
find 0a1b 5 n => ok -1 8
move -6 4 0 => err outOfRange 8
readline => ok  8
seek -3 2 => ok none 1
move -6 -4 -1 => err outOfRange 1
readbyte => ok 97 2
getslice 3 4 => ok 00 2

init rw 0a0ac1089a6262 => ok none 0
find  -8 n => ok 0 0
getitem 0 => ok 10 0
readline => ok 0a 1
readbyte => ok 10 2
tell => ok 2 2
getitem 0 => ok 10 2
readall => ok c1089a6262 7
move -4 5 7 => err outOfRange 7
setitem 7 42 => err outOfRange 7
find 0a 1 4 => ok 1 7
find  -4 n => ok 3 7
resize 1 => ok none 7
move 4 -3 0 => err outOfRange 7
getslice 1 1 => ok  7
write 616161d5 => err outOfRange 7
move -4 -2 -1 => err outOfRange 7
resize 2 => ok none 7
writebyte 76 => err outOfRange 7
setslice 2 2  => ok none 7
setslice 2 2  => ok none 7
getslice 1 1 => ok  7
setslice 0 2 620a => ok none 7
rfind 6262 5 -2 => ok -1 7
setitem 0 111 => ok none 7
move 3 -2 3 => err outOfRange 7

init rw 0ad20a62 => ok none 0
getitem 0 => ok 10 0
all => ok 0ad20a62 0
move 4 -2 3 => err outOfRange 0
flush 2 5 => err outOfRange 0
readline => ok 0a 1
seek 1 2 => err outOfRange 1
all => ok 0ad20a62 1
getitem 0 => ok 10 1
readbyte => ok 210 2
setslice 2 4 6262e0 => err invalidArgument 2
writebyte 114 => ok none 3
writebyte 104 => ok none 4
readbyte => err outOfRange 4
setslice 0 0  => ok none 4
setslice 2 3 61 => ok none 4
getitem 4 => err outOfRange 4
readbyte => err outOfRange 4
readline => ok  4
rfind 62 3 2 => ok -1 4
resize 2 => ok none 4
all => ok 0ad2 4
setitem 2 107 => err outOfRange 4
write  => err outOfRange 4
write 0a6162 => err outOfRange 4
readline => ok  4
writebyte 95 => err outOfRange 4
rfind 620a -5 -5 => ok -1 4
len => ok 2 4

init ro 6161ed0a => ok none 0
writebyte 103 => err readOnly 0
find 0a28 -4 n => ok -1 0
flush 0 5 => err outOfRange 0
setslice 3 4 0a622a5c => err readOnly 0
getslice 2 3 => ok ed 0
readline => ok 6161ed0a 4
readall => ok  4
resize 2 => err readOnly 4

init rw 620a9b616261 => ok none 0
len => ok 6 0
readline => ok 620a 2
readline => ok 9b616261 6
write  => ok 0 6
setslice 2 5 fe0a20 => ok none 6

init rw 0a62610a626261610a88b8 => ok none 0
readbyte => ok 10 1
readline => ok 62610a 4
setitem 1 74 => ok none 4
readall => ok 626261610a88b8 11
resize 13 => ok none 11
rfind  10 n => ok 13 11
write  => ok 0 11
writebyte 57 => ok none 12
readbyte => ok 0 13
seek -5 0 => err outOfRange 13
tell => ok 13 13
read 11 => ok  13
seek -2 2 => ok none 11
readall => ok 3900 13
setitem 7 143 => ok none 13
getslice 2 5 => ok 610a62 13
read 14 => ok  13
move -5 -14 -1 => err outOfRange 13
getslice 3 12 => ok 0a6262618f0a88b839 13
writebyte 55 => err outOfRange 13
all => ok 0a4a610a6262618f0a88b83900 13
tell => ok 13 13
getslice 11 12 => ok 39 13
all => ok 0a4a610a6262618f0a88b83900 13
all => ok 0a4a610a6262618f0a88b83900 13
setslice 5 9 611f6261 => ok none 13
len => ok 13 13
readline => ok  13
getslice 2 4 => ok 610a 13
all => ok 0a4a610a62611f626188b83900 13
readbyte => err outOfRange 13
writebyte 46 => err outOfRange 13
find 62 -15 n => ok 4 13

init rw 620a6162620a => ok none 0
resize 8 => ok none 0
all => ok 620a6162620a0000 0
setslice 5 8 0a => err invalidArgument 0
read 9 => ok 620a6162620a0000 8
writebyte 56 => err outOfRange 8
tell => ok 8 8
all => ok 620a6162620a0000 8
all => ok 620a6162620a0000 8
read -2 => ok  8
readall => ok  8
readline => ok  8
find  2 n => ok 2 8
resize 2 => ok none 8
getitem 0 => ok 98 8
writebyte 171 => err outOfRange 8
find 62 -3 n => ok 0 8
getitem 0 => ok 98 8
readall => ok  8
setslice 2 2 61 => err invalidArgument 8
rfind  5 2 => ok 2 8
tell => ok 8 8
all => ok 620a 8
seek -4 2 => err outOfRange 8
move -5 -1 0 => err outOfRange 8
resize 9 => ok none 8
resize 14 => ok none 8
rfind  -15 n => ok 14 8
readall => ok 000000000000 14
writebyte 147 => err outOfRange 14
setitem 15 31 => err outOfRange 14
rfind 79 -13 n => ok -1 14
resize 9 => ok none 14
getslice 4 9 => ok 0000000000 14
resize 5 => ok none 14
move 4 0 5 => err outOfRange 14

init rw 62cefd00610a7e62 => ok none 0
writebyte 173 => ok none 1
getitem 9 => err outOfRange 1
setslice 3 8 100aa36161 => ok none 1
rfind 0362 3 -9 => ok -1 1
all => ok adcefd100aa36161 1
getslice 7 8 => ok 61 1
all => ok adcefd100aa36161 1
rfind 7c 8 n => ok -1 1
resize 9 => ok none 1
read 8 => ok cefd100aa3616100 9
flush 8 6 => err outOfRange 9
tell => ok 9 9
writebyte 149 => err outOfRange 9
seek 7 0 => ok none 7
write  => ok 0 7
all => ok adcefd100aa3616100 7
resize 1 => ok none 7
rfind 61 -1 n => ok -1 7
tell => ok 7 7
readline => ok  7
move -3 -2 -1 => err outOfRange 7
read 1 => ok  7
write 0a6162 => err outOfRange 7
tell => ok 7 7
tell => ok 7 7
getslice 1 1 => ok  7
setitem 0 20 => ok none 7
readbyte => err outOfRange 7
readall => ok  7
tell => ok 7 7
seek 3 2 => err outOfRange 7

init rw 26 => ok none 0
len => ok 1 0
find 0c0a -4 n => ok -1 0
setitem 2 145 => err outOfRange 0
tell => ok 0 0
all => ok 26 0
writebyte 103 => ok none 1
all => ok 67 1
move 1 0 2 => err outOfRange 1
seek -2 0 => err outOfRange 1
flush 2 2 => err outOfRange 1
readall => ok  1
getitem 1 => err outOfRange 1
move -2 3 1 => err outOfRange 1
resize 14 => ok none 1
writebyte 155 => ok none 2
rfind 0a 16 n => ok -1 2
readbyte => ok 0 3
writebyte 175 => ok none 4
seek -10 0 => err outOfRange 4
resize 12 => ok none 4
setslice 11 12 0a => ok none 4
all => ok 679b00af000000000000000a 4
move 0 -6 -1 => err outOfRange 4

init rw 0a334b62 => ok none 0
len => ok 4 0
move 4 -4 4 => err outOfRange 0
read 6 => ok 0a334b62 4
move -5 -4 4 => err outOfRange 4
readall => ok  4
resize 6 => ok none 4
writebyte 206 => ok none 5
len => ok 6 5
setslice 1 5 62616161 => ok none 5
len => ok 6 5
getslice 1 5 => ok 62616161 5
getitem 5 => ok 0 5
rfind 61 3 5 => ok 4 5
rfind  -5 3 => ok 3 5
readline => ok 00 6
seek 5 2 => err outOfRange 6
readline => ok  6
rfind 6107 -7 -8 => ok -1 6
resize 1 => ok none 6
writebyte 70 => err outOfRange 6
setslice 1 1 62b8db => err invalidArgument 6

init rw 6161f3624d6b626162 => ok none 0
setslice 9 9  => ok none 0
seek 10 0 => err outOfRange 0
rfind 62 6 n => ok 8 0
seek -8 2 => ok none 1
getitem 10 => err outOfRange 1
writebyte 23 => ok none 2
write 616162 => ok 3 5
rfind  11 n => ok 9 5
setitem 1 62 => ok none 5
write  => ok 0 5
writebyte 29 => ok none 6
find  -9 n => ok 0 6
readbyte => ok 98 7
write 61 => ok 1 8
all => ok 613e6161621d626162 8
readline => ok 62 9
flush 3 10 => err outOfRange 9
rfind 620a -12 n => ok -1 9
setitem 1 192 => ok none 9

init rw 6262610a146162610a => ok none 0
readall => ok 6262610a146162610a 9
resize 8 => ok none 9
write 29 => err outOfRange 9
seek 1 1 => err outOfRange 9
setitem 3 81 => ok none 9
resize 8 => ok none 9

init rw 6d => ok none 0
readall => ok 6d 1
len => ok 1 1
move -4 4 -1 => err outOfRange 1
all => ok 6d 1
find 0a61 4 n => ok -1 1
seek 1 0 => ok none 1
flush 0 0 => ok none 1
readall => ok  1
all => ok 6d 1
read -2 => ok  1
writebyte 128 => err outOfRange 1
getitem 0 => ok 109 1
writebyte 60 => err outOfRange 1
getslice 1 1 => ok  1
len => ok 1 1
write  => ok 0 1
all => ok 6d 1
readline => ok  1
resize 5 => ok none 1
find 61 -5 n => ok -1 1
getslice 3 5 => ok 0000 1
readall => ok 00000000 5
writebyte 71 => err outOfRange 5

init rw c2620a62410a => ok none 0
setslice 4 5 03 => ok none 0
setitem 1 233 => ok none 0
writebyte 121 => ok none 1
setslice 5 6 62 => ok none 1
move 7 8 6 => err outOfRange 1
tell => ok 1 1
seek -2 0 => err outOfRange 1
all => ok 79e90a620362 1
read 4 => ok e90a6203 5
readline => ok 62 6
readline => ok  6
all => ok 79e90a620362 6
all => ok 79e90a620362 6
setitem 1 58 => ok none 6
len => ok 6 6
resize 3 => ok none 6
seek -2 0 => err outOfRange 6
readbyte => err outOfRange 6
resize 2 => ok none 6
read 4 => ok  6
getitem 3 => err outOfRange 6
rfind  2 n => ok 2 6
move 4 4 3 => err outOfRange 6
getslice 0 2 => ok 793a 6
writebyte 56 => err outOfRange 6
setslice 0 1 61 => ok none 6
resize 6 => ok none 6
rfind  3 n => ok 6 6
writebyte 133 => err outOfRange 6
find  -2 -7 => ok -1 6
setslice 0 1 ce6161 => err invalidArgument 6
rfind  6 4 => ok -1 6
read 2 => ok  6
readline => ok  6

init ro 0a120a0a0a0afe0a => ok none 0
getitem 8 => err outOfRange 0
read 1 => ok 0a 1
move 2 10 1 => err readOnly 1
resize 10 => err readOnly 1
rfind 6162 -4 n => ok -1 1
resize 2 => err readOnly 1
flush 2 5 => ok none 1
write 0a => err readOnly 1
write  => err readOnly 1
rfind 0a 6 5 => ok -1 1
resize 10 => err readOnly 1
flush -1 2 => err outOfRange 1
move -5 0 8 => err readOnly 1
readbyte => ok 18 2
readbyte => ok 10 3
setslice 2 3 61 => err readOnly 3
all => ok 0a120a0a0a0afe0a 3
read 2 => ok 0a0a 5
all => ok 0a120a0a0a0afe0a 5
all => ok 0a120a0a0a0afe0a 5
setitem 9 120 => err readOnly 5
resize 10 => err readOnly 5
len => ok 8 5
move -8 -3 2 => err readOnly 5
readbyte => ok 10 6
move 1 -2 6 => err readOnly 6
all => ok 0a120a0a0a0afe0a 6
tell => ok 6 6
getitem 0 => ok 10 6
setslice 8 8  => err readOnly 6
readbyte => ok 254 7
readline => ok 0a 8
readline => ok  8
len => ok 8 8
setslice 8 8  => err readOnly 8
resize 6 => err readOnly 8

init ro 61ff610a6162 => ok none 0
tell => ok 0 0
writebyte 223 => err readOnly 0
read -2 => ok 61ff610a6162 6
tell => ok 6 6
setitem 1 254 => err readOnly 6
readbyte => err outOfRange 6
len => ok 6 6
find 61 -5 n => ok 2 6
getitem 5 => ok 98 6

init rw c861610ab60a616b9e => ok none 0
rfind 6161 6 n => ok -1 0
find 0a -2 n => ok -1 0
getitem 9 => err outOfRange 0
getslice 1 1 => ok  0
find  6 n => ok 6 0
move -11 11 5 => err outOfRange 0
readbyte => ok 200 1
getslice 6 7 => ok 61 1
getitem 9 => err outOfRange 1
readline => ok 61610a 4
readbyte => ok 182 5
readline => ok 0a 6
all => ok c861610ab60a616b9e 6
len => ok 9 6
write deb85a => ok 3 9
write 8f => err outOfRange 9
readline => ok  9
read -1 => ok  9
all => ok c861610ab60adeb85a 9
all => ok c861610ab60adeb85a 9
rfind 61 9 n => ok -1 9

init ro bf0a61 => ok none 0
len => ok 3 0
all => ok bf0a61 0
readline => ok bf0a 2
seek 2 0 => ok none 2
len => ok 3 2

init rw ab => ok none 0
writebyte 198 => ok none 1
write 610a76 => err outOfRange 1
all => ok c6 1
flush 0 2 => err outOfRange 1
tell => ok 1 1
readline => ok  1
move 3 -1 -1 => err outOfRange 1
readall => ok  1
seek 4 2 => err outOfRange 1
readbyte => err outOfRange 1
writebyte 233 => err outOfRange 1
readall => ok  1
readall => ok  1
flush 2 2 => err outOfRange 1
write 61620a61 => err outOfRange 1
len => ok 1 1
seek -1 0 => err outOfRange 1
flush 2 0 => err outOfRange 1
seek 2 0 => err outOfRange 1
write 0a47 => err outOfRange 1
read 3 => ok  1
setslice 0 1 62 => ok none 1
seek -4 2 => err outOfRange 1
seek -4 0 => err outOfRange 1
len => ok 1 1
find 24 -3 n => ok -1 1
tell => ok 1 1
all => ok 62 1
all => ok 62 1
resize 15 => ok none 1
writebyte 236 => ok none 2
setslice 9 10 61 => ok none 2
readline => ok 00000000000000610000000000 15
setitem 0 185 => ok none 15
getslice 1 1 => ok  15

init rw 6261610a6261 => ok none 0
len => ok 6 0
readall => ok 6261610a6261 6
readall => ok  6
writebyte 129 => err outOfRange 6
seek 5 2 => err outOfRange 6
move -3 2 -1 => err outOfRange 6
all => ok 6261610a6261 6
len => ok 6 6
setslice 3 3  => ok none 6
getitem 6 => err outOfRange 6
readbyte => err outOfRange 6
resize 9 => ok none 6
rfind 62e6 7 n => ok -1 6
write 0ab50a0a => err outOfRange 6
readline => ok 000000 9
setslice 0 3 0a9862 => ok none 9
writebyte 200 => err outOfRange 9
len => ok 9 9
getitem 5 => ok 97 9
setslice 8 9 61 => ok none 9
writebyte 47 => err outOfRange 9
rfind 5f 7 12 => ok -1 9
readbyte => err outOfRange 9
len => ok 9 9
len => ok 9 9
rfind  12 -11 => ok -1 9
read 0 => ok  9
getslice 7 9 => ok 0061 9
write 626261 => err outOfRange 9
all => ok 0a98620a6261000061 9
rfind 6261 -5 n => ok 4 9
getitem 2 => ok 98 9
all => ok 0a98620a6261000061 9
setslice 3 3  => ok none 9
tell => ok 9 9

init rw 610a0a6261620a6179 => ok none 0
seek 11 1 => err outOfRange 0
setitem 9 212 => err outOfRange 0
readbyte => ok 97 1
getitem 10 => err outOfRange 1
len => ok 9 1
getslice 0 0 => ok  1
len => ok 9 1
find  5 n => ok 5 1
getslice 0 6 => ok 610a0a626162 1
getitem 5 => ok 98 1
rfind 62 -11 n => ok 5 1
seek -12 1 => err outOfRange 1
readline => ok 0a 2
readline => ok 0a 3
write 0a => ok 1 4
seek 8 0 => ok none 8
move -6 -5 4 => err outOfRange 8
tell => ok 8 8
readall => ok 79 9
all => ok 610a0a0a61620a6179 9
flush 0 4 => ok none 9
all => ok 610a0a0a61620a6179 9
writebyte 50 => err outOfRange 9
seek 12 1 => err outOfRange 9
getitem 4 => ok 97 9
all => ok 610a0a0a61620a6179 9
close => ok none -1

init rw 396210626198 => ok none 0
tell => ok 0 0
getitem 0 => ok 57 0
rfind  -6 6 => ok 6 0
read 5 => ok 3962106261 5
readline => ok 98 6
rfind 960a 9 -8 => ok -1 6
readall => ok  6

init rw bb626f61bc8e370a => ok none 0
setslice 3 5 6161 => ok none 0
getslice 0 5 => ok bb626f6161 0
all => ok bb626f61618e370a 0
resize 2 => ok none 0
getitem 0 => ok 187 0
readline => ok bb62 2
readline => ok  2
getslice 2 2 => ok  2
len => ok 2 2
setslice 0 1 0a0a610a => err invalidArgument 2
setslice 0 1 0a => ok none 2
getslice 2 2 => ok  2
"""

@Suite("Replays of CPython mmap sessions")
struct PythonSessionTests {
  static let sessions: [[Substring]] = recordedPythonSessions
    .split(separator: "\n\n")
    .map { $0.split(separator: "\n") }

  @Test("each recorded session gives CPython's results, errors and positions", arguments: Backend.allCases)
  func replay(backend: Backend) throws {
    #expect(Self.sessions.count == 30)
    for (index, session) in Self.sessions.enumerated() {
      var buffer: (any MutableByteBuffer)?
      for line in session {
        let halves = line.split(separator: " => ", maxSplits: 1, omittingEmptySubsequences: false)
        let command = halves[0].split(separator: " ", omittingEmptySubsequences: false)
        let actual = try Self.perform(command, on: &buffer, backend: backend)
        #expect(actual == String(halves[1]), "session \(index), after `\(halves[0])`")
        if actual != String(halves[1]) { break }
      }
    }
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
  }

  static func bytes(_ hex: Substring) -> [UInt8] {
    var result: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      result.append(UInt8(hex[index..<next], radix: 16)!)
      index = next
    }
    return result
  }

  /// Runs one recorded command and renders its outcome as the recording does.
  static func perform(
    _ command: [Substring], on buffer: inout (any MutableByteBuffer)?, backend: Backend
  ) throws -> String {
    func int(_ index: Int) -> Int { Int(command[index])! }
    func arg(_ index: Int) -> Substring { index < command.count ? command[index] : "" }
    if command[0] == "init" {
      buffer = try backend.make(bytes(arg(2)), readOnly: command[1] == "ro")
      return "ok none 0"
    }
    guard let buffer else { return "no buffer" }
    var result: String
    do {
      switch command[0] {
      case "read": result = hex(try buffer.read(int(1)))
      case "readall": result = hex(try buffer.read())
      case "readline": result = hex(try buffer.readLine())
      case "readbyte":
        // Python raises ValueError at the end; we return nil.
        guard let byte = try buffer.readByte() else { return "err outOfRange \(buffer.position)" }
        result = String(byte)
      case "write": result = String(try buffer.write(bytes(arg(1))))
      case "writebyte": try buffer.writeByte(UInt8(int(1))); result = "none"
      case "seek": try buffer.seek(int(1), whence: [SeekOrigin.start, .current, .end][int(2)]); result = "none"
      case "tell": result = String(buffer.tell())
      case "find", "rfind":
        let end = command[3] == "n" ? nil : int(3)
        let found = command[0] == "find"
          ? try buffer.find(bytes(command[1]), start: int(2), end: end)
          : try buffer.rfind(bytes(command[1]), start: int(2), end: end)
        result = String(found ?? -1)
      case "move": try buffer.move(to: int(1), from: int(2), count: int(3)); result = "none"
      case "resize": try buffer.resize(to: int(1)); result = "none"
      case "flush": try buffer.flush(int(1)..<(int(1) + int(2))); result = "none"
      case "getslice": result = hex(try buffer.bytes(in: int(1)..<int(2)))
      case "setslice": try buffer.replaceBytes(in: int(1)..<int(2), with: bytes(arg(3))); result = "none"
      case "getitem": result = String(try buffer.byte(at: int(1)))
      case "setitem": try buffer.setByte(UInt8(int(2)), at: int(1)); result = "none"
      case "len":
        // A closed buffer's count is 0 (documented); Python's len() raises.
        if buffer.isClosed { throw ByteBufferError.closed(path: buffer.path) }
        result = String(buffer.count)
      case "close": try buffer.close(); result = "none"
      case "all": result = hex(try buffer.bytes(in: 0..<buffer.count))
      default: return "unknown command \(command[0])"
      }
      result = "ok " + result
    } catch let error as ByteBufferError {
      result = "err \(error.kind)"
    }
    return "\(result) \(buffer.isClosed ? -1 : buffer.position)"
  }
}
