/* Weight blocks: the unit the PE array consumes in one pass, (cols x pack)
 * output channels x k input channels. A layer stored in the block format
 * (DL_ACC_W_BLOCKS) keeps a bitmap of its nonzero blocks and only those
 * blocks' weights, so LOAD_W reads and GEMM computes the nonzero blocks
 * alone. The lowering, the reader and the simulator share this geometry. */
#include <stdlib.h>

#include "acc_internal.h"

/* Output channels one pass covers: the PE columns times the weights packed
 * into each 8-bit MAC slot at the layer's width. */
static int64_t lanes_n(const DlAccDevice *d, int wbits) {
  int pack = wbits <= 2 && d->pack2 ? d->pack2 : wbits <= 4 && d->pack4 ? d->pack4 : 1;
  return (int64_t)d->pe_cols * pack;
}

int64_t dl_acc_dense_blocks(const DlAccDevice *d, const DlAccLayer *l, int64_t nt, int64_t kt) {
  int64_t ln = lanes_n(d, l->wbits);
  return ((nt + ln - 1) / ln) * ((kt + d->pe_k - 1) / d->pe_k);
}

void dl_acc_grid(const DlAccDevice *d, const DlAccLayer *l, DlAccGrid *g) {
  g->bn = lanes_n(d, l->wbits), g->bk = d->pe_k;
  g->jb = (l->pg + g->bn - 1) / g->bn, g->kb = (l->K + g->bk - 1) / g->bk;
  g->rows = l->N / l->pg * g->jb, g->n = g->rows * g->kb;
}

void dl_acc_block_range(const DlAccGrid *g, const DlAccLayer *l, int64_t r, int64_t c, int64_t *n0, int64_t *n1,
                        int64_t *k0, int64_t *k1) {
  int64_t grp = r / g->jb, end = (grp + 1) * l->pg;
  *n0 = grp * l->pg + r % g->jb * g->bn, *n1 = *n0 + g->bn < end ? *n0 + g->bn : end;
  *k0 = c * g->bk, *k1 = *k0 + g->bk < l->K ? *k0 + g->bk : l->K;
}

int64_t dl_acc_block_bytes(const DlAccGrid *g, const DlAccLayer *l, int64_t r, int64_t c) {
  int64_t n0, n1, k0, k1;
  dl_acc_block_range(g, l, r, c, &n0, &n1, &k0, &k1);
  return ((n1 - n0) * (k1 - k0) * l->wbits + 7) / 8;
}

int64_t dl_acc_bitmap_bytes(const DlAccGrid *g) { return ((g->n + 7) / 8 + 3) & ~(int64_t)3; }

int64_t *dl_acc_block_offsets(const DlAccGrid *g, const DlAccLayer *l, const unsigned char *bitmap, int64_t *total,
                              int64_t *zero) {
  int64_t *off = malloc(sizeof(int64_t) * (size_t)(g->n + 1)), at = 0;
  *zero = 0;
  for (int64_t b = 0; b < g->n; b++) {
    if (!(bitmap[b >> 3] >> (b & 7) & 1)) {
      off[b] = -1, ++*zero;
      continue;
    }
    off[b] = at;
    at += dl_acc_block_bytes(g, l, b / g->kb, b % g->kb);
  }
  *total = dl_acc_bitmap_bytes(g) + at;
  return off;
}

bool dl_acc_tile_aligned(const DlAccGrid *g, const DlAccLayer *l, int64_t n0, int64_t n1, int64_t k0, int64_t k1) {
  int64_t base = n0 / l->pg * l->pg, end = base + l->pg;
  return n1 <= end && (n0 - base) % g->bn == 0 && (n1 == end || (n1 - base) % g->bn == 0) && k0 % g->bk == 0 &&
         (k1 == l->K || k1 % g->bk == 0);
}

int64_t dl_acc_tile_blocks(const DlAccGrid *g, const DlAccLayer *l, const int64_t *off, int64_t n0, int64_t n1,
                           int64_t k0, int64_t k1, int64_t *nnz, int64_t *elems) {
  int64_t grp = n0 / l->pg, base = grp * l->pg;
  int64_t r0 = grp * g->jb + (n0 - base) / g->bn, r1 = grp * g->jb + (n1 - base + g->bn - 1) / g->bn;
  int64_t c0 = k0 / g->bk, c1 = (k1 + g->bk - 1) / g->bk, bytes = ((r1 - r0) * (c1 - c0) + 7) / 8;
  *nnz = *elems = 0;
  for (int64_t r = r0; r < r1; r++)
    for (int64_t c = c0; c < c1; c++) {
      if (off[r * g->kb + c] < 0) continue;
      int64_t a0, a1, b0, b1;
      dl_acc_block_range(g, l, r, c, &a0, &a1, &b0, &b1);
      ++*nnz, *elems += (a1 - a0) * (b1 - b0);
      bytes += ((a1 - a0) * (b1 - b0) * l->wbits + 7) / 8;
    }
  return bytes;
}
