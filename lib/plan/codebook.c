/* --wquant weights in the plan: `dlc.codebook` on a conv / gemm / matmul
 * (written by --quantize) lists its weight values, 2^b int8 per output channel
 * when the weights are quantized per channel, else 2^b for the layer; the step
 * keeps the weights as b-bit indices into it (qrt_wts.cb), which every kernel
 * decodes as it reads them. */
#include <mlir-c/Dialect/Quant.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/plan.h"
#include "dlc/qrt.h"

static int log2_exact(intptr_t n) {
  int b = 0;
  while (((intptr_t)1 << b) < n) b++;
  return ((intptr_t)1 << b) == n ? b : -1;
}

bool dl_qweights_codebook(MlirOperation op, MlirValue wv, const int32_t *w, int64_t n, int64_t nch, bool conv,
                          struct DlQStep *q, char *msg, size_t cap) {
  MlirAttribute a = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.codebook"));
  if (mlirAttributeIsNull(a)) return true;
  bool per_channel = mlirTypeIsAUniformQuantizedPerAxisType(mlirShapedTypeGetElementType(mlirValueGetType(wv)));
  int64_t G = per_channel ? nch : 1;
  intptr_t len = mlirAttributeIsADenseI8Array(a) ? mlirDenseArrayGetNumElements(a) : 0, L = G ? len / G : 0;
  int b = L * G == len ? log2_exact(L) : -1;
  if (b < 2 || b > 7 || n % (G ? G : 1)) {
    snprintf(msg, cap, "dlc.codebook must be an array<i8> of 4, 8, ..., 128 values %s (found %lld values)",
             per_channel ? "per output channel" : "for the layer", (long long)len);
    return false;
  }
  q->cb = malloc((size_t)len);
  for (intptr_t k = 0; k < len; k++) q->cb[k] = mlirDenseI8ArrayGetElement(a, k);
  dlrt_i cbdiv = per_channel && conv ? n / nch : 1, cbn = G;
  size_t bytes = (size_t)((n * b + 7) / 8) + 1; /* one spare byte, as qrt_wts bit streams have */
  unsigned char *p = calloc(bytes, 1);
  for (int64_t i = 0; i < n; i++) {
    const int8_t *cb = q->cb + (i / cbdiv % cbn) * L;
    int k = 0;
    while (k < L && cb[k] != w[i]) k++;
    if (k == L) {
      snprintf(msg, cap, "weight %lld is %d, which dlc.codebook does not hold", (long long)i, (int)w[i]);
      free(p);
      return false;
    }
    for (int j = 0; j < b; j++)
      if (k >> j & 1) p[(i * b + j) >> 3] |= (unsigned char)(1u << ((i * b + j) & 7));
  }
  free(q->wdata);
  q->wdata = p, q->wbytes = bytes;
  q->w = (qrt_wts){p, b, 0, q->cb, cbdiv, cbn};
  return true;
}
