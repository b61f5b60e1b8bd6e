"""Writes corrupted copies of an .accbin (argv[1]) into argv[2]: each must be
rejected by dlc-run with a message, never crash. Layout: docs/acc-isa.md."""
import os
import struct
import sys
import zlib

src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
assert zlib.crc32(data[:-4]) == struct.unpack_from("<I", data, len(data) - 4)[0]
data = data[:-4]  # the CRC-32 seal; save() reseals, so the checks past the checksum see each corruption
nl = struct.unpack_from("<I", data, 12)[0]
FIXED = 296
layers = FIXED
insns = FIXED + nl * 21 * 8


def save(name, b):
    open(os.path.join(out, name + ".accbin"), "wb").write(bytes(b) + struct.pack("<I", zlib.crc32(bytes(b))))


def insn_of(op):
    i = 0
    while True:
        w0 = struct.unpack_from("<Q", data, insns + 32 * i)[0]
        if w0 & 0xFF == op:
            return insns + 32 * i
        i += 1


save("truncated", data[: len(data) - 7])
save("extended", data + b"\0")
save("header-only", data[:30])
b = bytearray(data); b[0:8] = b"NOTACC!!"; save("magic", b)
b = bytearray(data); struct.pack_into("<I", b, 8, 7); save("version", b)
b = bytearray(data); struct.pack_into("<q", b, 120, 0); save("device", b)           # zero PE rows
b = bytearray(data); struct.pack_into("<q", b, 120 + 8 * 8, 1 << 32); save("alu-lanes", b)  # 0 as an int: a division by zero
b = bytearray(data); struct.pack_into("<q", b, layers + 2 * 8, 0); save("layer", b)  # layer 0: M = 0
b = bytearray(data); struct.pack_into("<q", b, layers, 0); save("step", b)           # layer 0 names step 0
at = insn_of(2)  # LOAD_X: rows past the layer
b = bytearray(data); struct.pack_into("<II", b, at + 8, 0, 0x7FFFFFFF); save("rows", b)
at = insn_of(4)  # GEMM with an unknown opcode
b = bytearray(data); b[at] = 0x5A; save("opcode", b)
b = bytearray(data); struct.pack_into("<H", b, insns + 2, 9); save("dep", b)        # the first instruction depends on one before it
