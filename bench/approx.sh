#!/bin/sh
# Approximate multipliers (docs/approx.md).
#   bench/approx.sh BUILD_DIR accuracy [MODELS...]  (default: cnn resnet)
#     per multiplier (SPECS, default below), int8 with every conv / gemm on it:
#     its modelled energy per multiply relative to exact int8 (the same for
#     every layer, so also the MAC-weighted figure), accuracy on all 10,000
#     test images (integer interpreter) without and with --approx-compensate,
#     and the points lost against exact int8. A markdown table.
#   bench/approx.sh BUILD_DIR bitexact [MODELS...]  (default: cnn resnet mobilenet)
#     per multiplier, the first N (default 1000) test images on the integer
#     interpreter, the generated C and the acc simulator (dpu): byte-identical
#     outputs or not.
#   bench/approx.sh BUILD_DIR budget [MODELS...]  (default: cnn resnet)
#     --approx-budget=BUDGET (default 0.5) with --approx-labels on the last
#     SAMPLES (default 2000) of 5,000 training images, without and with
#     --approx-compensate: the MAC-weighted multiplier energy it chose, the
#     loss it measured, and the accuracy on all 10,000 test images against
#     exact int8 (the chosen multipliers on the next line).
set -eu
B=$(cd "${1:-build}" && pwd)
MODE=${2:-accuracy}
shift 2 || true
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" $([ "$MODE" = budget ] && echo 5000) >/dev/null
/usr/bin/python3 "$SRC/test/quant/inputs/approx_table.py" "$T/noisy.npy" noisy
N=${N:-1000}
energy() { "$B/dlc" --print-approx | awk -v s="$1" '$1 == s {print $7}'; }
acc_of() { "$B/dlc-run" "$1" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p'; }
quant() { # model out flags...
  m=$1 o=$2
  shift 2
  "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" "$@" --emit=qg -o "$o" 2>/dev/null
}
if [ "$MODE" = accuracy ]; then
  SPECS=${SPECS:-"bam:6 bam:7 bam:8 drum:3 drum:4 drum:5 mitchell"}
  echo "| model | multiplier | energy / multiply | accuracy | lost | compensated | lost |"
  echo "|---|---|---|---|---|---|---|"
  for m in ${*:-cnn resnet}; do
    quant "$m" "$T/q.mlir"
    ref=$(acc_of "$T/q.mlir")
    echo "| $m | exact int8 | 1.000 | $ref% | | | |"
    for s in $SPECS; do
      quant "$m" "$T/q.mlir" --approx="$s"
      a=$(acc_of "$T/q.mlir")
      quant "$m" "$T/q.mlir" --approx="$s" --approx-compensate
      c=$(acc_of "$T/q.mlir")
      echo "$m $s $(energy "$s") $a $c $ref" | awk '{printf "| %s | %s | %s | %s%% | %.2f | %s%% | %.2f |\n", $1, $2, $3, $4, $6 - $4, $5, $6 - $5}'
    done
  done
elif [ "$MODE" = budget ]; then
  echo "| model | compensated | energy / multiply (MAC-weighted) | loss on the samples | test accuracy | lost |"
  echo "|---|---|---|---|---|---|"
  for m in ${*:-cnn resnet}; do
    quant "$m" "$T/q.mlir"
    ref=$(acc_of "$T/q.mlir")
    for comp in no yes; do
      flag=$([ $comp = yes ] && echo --approx-compensate || true)
      "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --approx-budget="${BUDGET:-0.5}" \
        --approx-labels="$T/calib_y.npy" --approx-samples="${SAMPLES:-2000}" $flag --emit=qg -o "$T/q.mlir" 2>"$T/w"
      a=$(acc_of "$T/q.mlir")
      en=$(sed -n "s/.*multiplier energy \([0-9.]*\) of exact.*/\1/p" "$T/w")
      pts=$(sed -n "s/.*exact int8's; \(-*[0-9.]*\) points.*/\1/p" "$T/w")
      echo "$m $comp $en $pts $a $ref" | awk '{printf "| %s | %s | %s | %s | %s%% | %.2f |\n", $1, $2, $3, $4, $5, $6 - $5}'
      echo "|  | choice: $(sed -n 's/.*s): //p' "$T/w") | | | | |"
    done
  done
else
  SPECS=${SPECS:-"bam:6 drum:4 mitchell file:$T/noisy.npy"}
  echo "| model | multiplier | images | interpreter accuracy | C | acc |"
  echo "|---|---|---|---|---|---|"
  for m in ${*:-cnn resnet mobilenet}; do
    for s in $SPECS; do
      "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --input-shape=input=100x1x28x28 --approx="$s" \
        --emit=qg -o "$T/q.mlir" 2>/dev/null
      "$B/dlc" "$T/q.mlir" --target=c -o "$T/q.c"
      "$B/dlc" "$T/q.mlir" --target=acc --acc-device=dpu -o "$T/q.accbin" 2>/dev/null
      a=$("$B/dlc-run" "$T/q.mlir" --input "$T/test_x.npy" --labels "$T/test_y.npy" --limit "$N" --quiet -o "$T/ref.npy" |
        sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
      "$B/dlc-run" "$T/q.c" --input "$T/test_x.npy" --limit "$N" --quiet -o "$T/c.npy" >/dev/null
      "$B/dlc-run" "$T/q.accbin" --input "$T/test_x.npy" --limit "$N" --quiet -o "$T/acc.npy" >/dev/null
      c=$(cmp -s "$T/ref.npy" "$T/c.npy" && echo identical || echo DIFFERENT)
      x=$(cmp -s "$T/ref.npy" "$T/acc.npy" && echo identical || echo DIFFERENT)
      case $s in file:*) s="file (noisy table)" ;; esac
      echo "| $m | $s | $N | $a% | $c | $x |"
    done
  done
fi
