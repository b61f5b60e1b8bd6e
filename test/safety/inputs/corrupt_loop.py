"""Corrupts a sealed binary (argv[1], .accbin or .pimbin) at many offsets and
runs `dlc-run FILE --input argv[2]` on each copy (in argv[3]): every copy
must be refused with exit 1 and one error line: the checksum for most, the
magic or the version when those bytes are hit. Prints one line per outcome
class and "ok" at the end; any other outcome is printed and fails."""
import collections
import os
import random
import subprocess
import sys

src, inp, tmp = sys.argv[1:4]
data = open(src, "rb").read()
ext = os.path.splitext(src)[1]
rng = random.Random(11)
n = len(data)
# every header byte region sampled densely, the rest spread over the file (tables,
# instructions, weights, MLIR text, the checksum itself)
offsets = sorted(set(list(range(0, 64, 3)) + [rng.randrange(n) for _ in range(40)] + [n - 4, n - 1]))
cases = []
for at in offsets:
    b = bytearray(data); b[at] ^= 1 << rng.randrange(8); cases.append(("bit %d" % at, bytes(b)))
for at in offsets[::4]:
    b = bytearray(data); b[at] = (b[at] + 1 + rng.randrange(255)) & 0xFF; cases.append(("byte %d" % at, bytes(b)))
for cut in (1, 4, 5, n // 2):
    cases.append(("truncated by %d" % cut, data[:-cut]))
cases.append(("extended", data + b"\0"))
sw = next(i for i in range(100, n - 1) if data[i] != data[i + 1])  # two different bytes swapped
cases.append(("bytes %d and %d swapped" % (sw, sw + 1), data[:sw] + data[sw + 1:sw + 2] + data[sw:sw + 1] + data[sw + 2:]))
seen = collections.Counter()
bad = 0
for name, b in cases:
    path = os.path.join(tmp, "c" + ext)
    open(path, "wb").write(b)
    r = subprocess.run(["dlc-run", path, "--input", inp, "--quiet"], capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    msg = lines[-1] if lines else ""
    kind = ("checksum" if "checksum mismatch: corrupted or truncated" in msg else
            "magic" if "wrong magic" in msg else "version" if ": version " in msg else
            "header" if "truncated header" in msg else None)
    if r.returncode != 1 or len(lines) != 1 or not kind:
        bad += 1
        print("FAIL %s: exit %d: %s" % (name, r.returncode, r.stderr.strip()[:300]))
    else:
        seen[kind] += 1
for k in sorted(seen):
    print("%s: %d" % (k, seen[k]))
print("ok" if not bad else "%d not refused" % bad)
