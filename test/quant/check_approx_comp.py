# usage: check_approx_comp.py EXACT.npy PLAIN.npy COMP.npy: prints whether the
# compensated outputs differ from the plain approximate ones and whether their
# mean and RMS error against the exact integer model are smaller.
import sys
import numpy as np

exact, plain, comp = (np.load(p).astype(np.float64) for p in sys.argv[1:4])
print("biases changed: the outputs differ" if not np.array_equal(plain, comp) else "no change")
for name, f in (("mean", lambda d: abs(d.mean())), ("rms", lambda d: np.sqrt((d ** 2).mean()))):
    a, b = f(plain - exact), f(comp - exact)
    print(f"{name} error {'shrinks' if b < a else 'grows'}: {a:.4f} -> {b:.4f}")
