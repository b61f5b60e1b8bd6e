# Shell helpers the C-target benchmarks share (sourced; needs $T, $SRC).
# bench_c_run NAME: builds $T/NAME.c with bench/compress_run.c (cc -O2), runs it
# on $T/tx.npy and $T/ty.npy three times and prints the user ms/image of the
# fastest run (user CPU time: other work on a shared machine disturbs it less
# than wall-clock time); the outputs go to $T/NAME.out, the harness's line
# (arena, accuracy) to $T/NAME.txt.
bench_c_run() {
  ${CC:-cc} -std=c99 -O2 -DMODEL="$1" -I"$T" "$SRC/bench/compress_run.c" "$T/$1.c" -o "$T/$1.run" -lm
  best=
  for r in 1 2 3; do
    /usr/bin/time -f %U -o "$T/time" "$T/$1.run" "$T/tx.npy" "$T/ty.npy" "$T/$1.out" >"$T/$1.txt"
    u=$(cat "$T/time")
    best=$(echo "$u ${best:-$u}" | awk '{print $1 < $2 ? $1 : $2}')
  done
  n=$(/usr/bin/python3 -c "import numpy as np; print(len(np.load('$T/ty.npy')))")
  echo "$best $n" | awk '{printf "%.3f", 1000 * $1 / $2}'
}

# bench_data [N]: a temporary directory $T (removed on exit) holding
# Fashion-MNIST as scripts/zoo/fmnist.py writes it (calib_x/y: 1,000 training
# images; test_x/y: the 10,000 test images) and, with N, the first N training
# images and labels as $T/train_x.npy and $T/train_y.npy.
bench_data() {
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  /usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
  [ -z "${1:-}" ] || /usr/bin/python3 -c "
import sys, numpy as np
sys.path.insert(0, '$SRC/scripts/zoo')
import fmnist
x, y = fmnist.calibration($1)
np.save('$T/train_x.npy', x); np.save('$T/train_y.npy', y)"
}
