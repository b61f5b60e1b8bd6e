"""Writes corrupted copies of an .accbin (argv[1]) with a layer in the block
weight format into argv[2]: a bitmap that marks one more block nonzero, and
a LOAD_W of that layer whose tile starts inside a block. Layout:
docs/acc-isa.md (version 3)."""
import os
import struct
import sys
import zlib

src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
assert zlib.crc32(data[:-4]) == struct.unpack_from("<I", data, len(data) - 4)[0]
data = data[:-4]  # the CRC-32 seal; save() reseals, so the checks past the checksum see each corruption
nl = struct.unpack_from("<I", data, 12)[0]
ninsn = struct.unpack_from("<Q", data, 16)[0]
FIXED, WORDS = 296, 21
insns = FIXED + nl * WORDS * 8
wseg = insns + ninsn * 32


def word(i, j):
    return struct.unpack_from("<q", data, FIXED + (i * WORDS + j) * 8)[0]


def save(name, b):
    open(os.path.join(out, name + ".accbin"), "wb").write(bytes(b) + struct.pack("<I", zlib.crc32(bytes(b))))


li = [i for i in range(nl) if word(i, 17) == 1][0]  # the first layer in the block format
woff, icmd, ncmd = word(li, 11), word(li, 19), word(li, 20)
bitmap = wseg + woff
zero = [b for b in range(64) if not data[bitmap + b // 8] >> (b % 8) & 1][0]
b = bytearray(data); b[bitmap + zero // 8] |= 1 << (zero % 8); save("bitmap", b)
for i in range(icmd, icmd + ncmd):
    at = insns + 32 * i
    if data[at] == 3:  # LOAD_W: k from 1
        b = bytearray(data); struct.pack_into("<I", b, at + 24, 1); save("unaligned", b)
        break
