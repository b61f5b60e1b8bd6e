"""Writes corrupted copies of a .pimbin (argv[1]) into argv[2]: each must be
rejected by dlc-run with a message, never crash. Layout: docs/pim-format.md."""
import os
import struct
import sys
import zlib

src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
assert zlib.crc32(data[:-4]) == struct.unpack_from("<I", data, len(data) - 4)[0]
data = data[:-4]  # the CRC-32 seal; save() reseals, so the checks past the checksum see each corruption
nk = struct.unpack_from("<I", data, 12)[0]
rows = struct.unpack_from("<I", data, 32 + 64 + 12)[0]
cmd0 = 32 + 156 + nk * 160
ncmd = struct.unpack_from("<Q", data, 16)[0]


def first(op):
    for i in range(ncmd):
        w = struct.unpack_from("<Q", data, cmd0 + 8 * i)[0]
        if w & 0xFF == op:
            return cmd0 + 8 * i, w
    raise SystemExit("no command with opcode %d" % op)


def save(name, b):
    open(os.path.join(out, name + ".pimbin"), "wb").write(bytes(b) + struct.pack("<I", zlib.crc32(bytes(b))))


save("truncated", data[: len(data) // 2])
save("header-only", data[:20])
save("extended", data + b"\0" * 8)
b = bytearray(data)
b[0:8] = b"NOTAPIM!"
save("magic", b)
b = bytearray(data)
struct.pack_into("<I", b, 8, 99)
save("version", b)
at, w = first(1)  # AAP: source row far out of range
b = bytearray(data)
struct.pack_into("<Q", b, at, (w & ~(0xFFFFFF << 8)) | ((rows + 100) << 8))
save("row", b)
at, w = first(1)  # AAP writing the constant row C1
b = bytearray(data)
struct.pack_into("<Q", b, at, (w & ~(0xFFFF << 32)) | ((rows - 1) << 32))
save("const-row", b)
at, w = first(2)  # AP on a data row
b = bytearray(data)
struct.pack_into("<Q", b, at, (w & ~(0xFFFFFF << 8)) | (3 << 8))
save("ap-data-row", b)
at, w = first(3)  # LOAD of a tap that does not exist
b = bytearray(data)
struct.pack_into("<Q", b, at, (w & ~(0xFFFFFF << 8)) | (0xFFFFF << 8))
save("tap", b)
at, w = first(1)  # unknown opcode
b = bytearray(data)
struct.pack_into("<Q", b, at, (w & ~0xFF) | 0x77)
save("opcode", b)
b = bytearray(data)  # kernel 0 claims another step of the embedded model
struct.pack_into("<i", b, 32 + 156, 0)
save("step", b)
b = bytearray(data)  # kernel 0's lane count disagrees with its step
struct.pack_into("<q", b, 32 + 156 + 24 + 6 * 8, 12345)
save("lanes", b)
