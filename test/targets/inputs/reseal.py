"""Reseals an edited .accbin / .pimbin (argv[1]) in place: its last 4 bytes
become the CRC-32 of the rest, so the reader's checks past the checksum see
the edit (docs/acc-isa.md, docs/pim-format.md)."""
import struct
import sys
import zlib

b = open(sys.argv[1], "rb").read()[:-4]
open(sys.argv[1], "wb").write(b + struct.pack("<I", zlib.crc32(b)))
