/* Sparse storage of constant weights for the C target (qrt_swts): which
 * layers get it and the encoding. The interpreter keeps dense weights: it is
 * the reference the sparse kernels are checked against. */
#include <stdlib.h>

#include "dlc/sparse.h"

void dl_qsparse_free(DlQSparse *s) {
  free(s->mask), free(s->vals);
  s->mask = s->vals = NULL;
}

/* Weight k of row r: a conv's [m][c/group x kernel], a matmul's column r of [K][N]. */
static int32_t weight_at(const struct DlQStep *q, int64_t K, int64_t r, int64_t k) {
  return qrt_wget(q->w, q->kind == DL_Q_CONV ? r * K + k : k * q->c.N + r);
}

bool dl_qstep_sparse(const struct DlQStep *q, DlSparseMode mode, DlQSparse *s) {
  *s = (DlQSparse){0};
  if (mode == DL_SPARSE_OFF || !q->wdata || q->w.cb || (q->kind != DL_Q_CONV && q->kind != DL_Q_MATMUL)) return false;
  if (!qrt_sparse_ok(q->xes, q->zx, q->w.bits, q->acc_bits)) return false;
  if (q->kind == DL_Q_MATMUL)
    for (dlrt_i t = 0; t < q->c.batches; t++)
      if (q->c.boff[t]) return false; /* batched weights: not one matrix */
  s->rows = q->kind == DL_Q_CONV ? q->c.win.m : q->c.N;
  s->K = s->rows ? q->nw / s->rows : 0;
  int64_t mrow = (s->K + 7) / 8;
  s->mask_bytes = (size_t)(s->rows * mrow);
  s->mask = calloc(s->mask_bytes ? s->mask_bytes : 1, 1);
  int32_t *v = malloc(sizeof(int32_t) * (size_t)(q->nw + 1));
  for (int64_t r = 0; r < s->rows; r++)
    for (int64_t k = 0; k < s->K; k++) {
      int32_t w = weight_at(q, s->K, r, k);
      if (!w) continue;
      s->mask[r * mrow + k / 8] |= (unsigned char)(1u << (k % 8));
      v[s->nnz++] = w;
    }
  v[s->nnz] = 0; /* the spare value the kernels' branch-free decoding reads after the last */
  s->vals = dl_qweights_pack(v, s->nnz + 1, &s->bits, &s->val_bytes);
  free(v);
  bool smaller = s->mask_bytes + s->val_bytes < q->wbytes;
  bool fast = (double)s->nnz <= DL_SPARSE_MAX_DENSITY * (double)q->nw &&
              (q->kind == DL_Q_CONV ? q->c.win.stride[1] == 1 && q->c.win.stride[2] == 1 : q->c.M >= DL_SPARSE_MIN_ROWS);
  if ((mode == DL_SPARSE_SIZE && !smaller) || (mode == DL_SPARSE_AUTO && !(smaller && fast))) {
    dl_qsparse_free(s);
    return false;
  }
  return true;
}
