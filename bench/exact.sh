#!/bin/sh
# Bit-exactness of a kernel change, old build against new, on the zoo.
#
# usage: bench/exact.sh ref OLD_BUILD_DIR DIR [MODELS]   writes DIR/M_q.mlir (int8, quantized by the old dlc),
#                                                       DIR/M_{q,f}.ref.npy (the old interpreter's outputs)
#        bench/exact.sh check NEW_BUILD_DIR DIR [MODELS] the new interpreter and the new generated C at
#                                                       cc -O2 and cc -O3 -march=native on the same IR,
#                                                       each compared with cmp against the reference
# MODELS default: cnn mobilenet resnet vit cnn_qdq resnet_qdq; LIMIT=N uses the first N test images
# (default all 10,000; compared with the reference's first N rows). The int8 models are quantized once, by the old build, so a change in the
# float kernels (which calibration runs) cannot hide behind a different quantization.
set -eu
mode=$1
B=$(cd "$2" && pwd)
D=$3
MODELS=${4:-cnn mobilenet resnet vit cnn_qdq resnet_qdq}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
mkdir -p "$D"
[ -f "$D/test_x.npy" ] || $PY "$SRC/scripts/zoo/fmnist.py" "$D" >/dev/null
X="$D/test_x.npy"
if [ -n "${LIMIT:-}" ]; then
  $PY -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[:int(sys.argv[3])])" "$X" "$D/x_lim.npy" "$LIMIT"
  X="$D/x_lim.npy"
fi
cat >"$D/cc_o3n" <<EOF
#!/bin/sh
exec cc "\$@" -O3 -march=native
EOF
chmod +x "$D/cc_o3n"
fail=0
for m in $MODELS; do
  Z="$SRC/zoo/$m.onnx"
  case $m in *_qdq) kinds=q ;; *) kinds="f q" ;; esac
  for k in $kinds; do
    if [ "$mode" = ref ]; then
      if [ $k = q ]; then
        case $m in *_qdq) "$B/dlc" "$Z" --emit=qg -o "$D/${m}_q.mlir" ;;
          *) "$B/dlc" "$Z" --quantize --calib="$D/calib_x.npy" --emit=qg -o "$D/${m}_q.mlir" ;; esac
      else
        "$B/dlc" "$Z" --emit=qg -o "$D/${m}_f.mlir"
      fi
      "$B/dlc-run" "$D/${m}_$k.mlir" --input "$X" --quiet -o "$D/${m}_$k.ref.npy" >/dev/null
      echo "$m $k: reference written"
      continue
    fi
    "$B/dlc-run" "$D/${m}_$k.mlir" --input "$X" --quiet -o "$D/${m}_$k.new.npy" >/dev/null
    "$B/dlc" "$D/${m}_$k.mlir" --target=c -o "$D/${m}_$k.c"
    CC=cc "$B/dlc-run" "$D/${m}_$k.c" --input "$X" --quiet -o "$D/${m}_$k.o2.npy" >/dev/null
    CC="$D/cc_o3n" "$B/dlc-run" "$D/${m}_$k.c" --input "$X" --quiet -o "$D/${m}_$k.o3n.npy" >/dev/null
    for v in new o2 o3n; do
      if $PY -c "
import numpy as np, sys
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
sys.exit(not (a.dtype == b.dtype and a[:len(b)].tobytes() == b.tobytes()))" "$D/${m}_$k.ref.npy" "$D/${m}_$k.$v.npy"
      then r="identical ($(basename "$X"))"; else r=DIFFERENT; fail=1; fi
      echo "$m $k $v: $r"
    done
  done
done
exit $fail
