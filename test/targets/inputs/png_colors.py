"""png_colors.py IMAGE.png RRGGBB MIN: how many pixels of an 8-bit RGB or RGBA,
non-interlaced PNG (a Chromium screenshot) have the colour RRGGBB, and how many
are not the most common colour (the background). Prints both; exits 1 when the
colour covers fewer than MIN pixels or the image is one colour. zlib only."""
import struct
import sys
import zlib
from collections import Counter


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def rows(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, "only 8-bit RGB/RGBA, not interlaced"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev = zlib.decompress(idat), w * bpp, bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, prev[i], (a + prev[i]) // 2, paeth(a, prev[i], c))[f]) & 255
        yield [bytes(line[x : x + 3]) for x in range(0, stride, bpp)]
        prev = line


def main(path, colour, least):
    counts = Counter(p for row in rows(path) for p in row)
    hits = counts[bytes.fromhex(colour)]
    others = sum(counts.values()) - counts.most_common(1)[0][1]
    print("#%s: %d pixels; not background: %d pixels" % (colour, hits, others))
    return 0 if hits >= least and others > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2].lstrip("#").lower(), int(sys.argv[3])))
