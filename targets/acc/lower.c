/* Lowering a quantized plan to accelerator instructions.
 *
 * Conv (implicit im2col), gemm / matmul with constant weights, add / sub /
 * mul (broadcast operands too), max pooling, lookup tables, and concat, nearest
 * resize and strided copies (transpose, slice, expand, tile) as gathering
 * copies run on the accelerator; everything else is a host step. A GEMM layer is tiled into (mt x nt x kt) blocks that fit the
 * double-buffered input, weight, accumulator and output buffers; the tile
 * sizes and the loop order come from the device's cost model (estimated
 * time: compute cycles against DRAM transfer, then DRAM bytes). Weights are
 * stored at the narrowest dense width the device supports; with an outlier
 * unit, the few weights that do not fit (at most 3%) go to a sparse list. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../target_util.h"
#include "acc_internal.h"
#include "dlc/quant.h"

/* --- geometry shared with the simulator --------------------------------- */

int64_t dl_acc_x_bytes(const DlStep *st, const DlAccLayer *l, int64_t m0, int64_t m1, int64_t k0, int64_t k1, int64_t n0) {
  const struct DlQStep *q = st->q;
  if (dl_acc_is_binary(l->kind)) return (m1 - m0) * ((k0 <= 0 && k1 > 0 ? q->xes : 0) + (k0 <= 1 && k1 > 1 ? q->wes : 0));
  if (l->kind != DL_ACC_L_CONV && l->kind != DL_ACC_L_MAXPOOL) return (m1 - m0) * (k1 - k0) * q->xes;
  /* whole input rows (z, y) of the channels the tile touches, for each image-plane the rows cover */
  const dlrt_win *g = &q->c.win;
  int64_t P = g->od[0] * g->od[1] * g->od[2], kvol = g->k[0] * g->k[1] * g->k[2], rows_out = g->od[0] * g->od[1];
  int64_t nch = l->kind == DL_ACC_L_CONV ? (k1 - 1) / kvol - k0 / kvol + 1 : 1, bytes = 0;
  int64_t span = (g->k[1] - 1) * g->dil[1] + 1;
  for (int64_t plane = m0 / P; plane <= (m1 - 1) / P; plane++) {
    int64_t a = plane == m0 / P ? m0 % P : 0, b = plane == (m1 - 1) / P ? (m1 - 1) % P : P - 1;
    int64_t r0 = a / g->od[2], r1 = b / g->od[2]; /* output rows (z, y flattened) */
    int64_t rows = 0;
    if (g->od[0] == 1) {
      int64_t y0 = r0 * g->stride[1] - g->pad[1], y1 = r1 * g->stride[1] - g->pad[1] + span - 1;
      y0 = y0 < 0 ? 0 : y0, y1 = y1 >= g->id[1] ? g->id[1] - 1 : y1;
      rows = y1 >= y0 ? y1 - y0 + 1 : 0;
    } else {
      rows = (r1 - r0 + 1) * g->id[1] / (rows_out ? rows_out : 1) * g->k[0] + g->id[1];
    }
    bytes += nch * rows * g->id[2] * q->xes;
  }
  return bytes;
}

int32_t dl_acc_weight(const DlAccLayer *l, const unsigned char *data, int64_t i) {
  int32_t v = qrt_wget((qrt_wts){data, l->wbits, 0, NULL}, i);
  if (l->wformat != DL_ACC_W_CODEBOOK) return v;
  int64_t base = (l->N * l->K * l->wbits + 7) / 8;
  return ((const int8_t *)data)[base + i / l->K * dl_acc_codebook_bytes(l) + (v & ((1 << l->wbits) - 1))];
}

int64_t dl_acc_codebook_bytes(const DlAccLayer *l) {
  return l->wformat == DL_ACC_W_CODEBOOK ? (l->wbytes - (l->N * l->K * l->wbits + 7) / 8) / l->N : 0;
}

int64_t dl_acc_weight_bytes(const DlAccDevice *d, const DlAccLayer *l) {
  if (!l->wbits) return 0;
  int64_t pad = 0; /* the block format's bitmap is padded to 4 bytes in the file; a bit per block is what must move */
  if (l->wformat == DL_ACC_W_BLOCKS) {
    DlAccGrid g;
    dl_acc_grid(d, l, &g);
    pad = dl_acc_bitmap_bytes(&g) - (g.n + 7) / 8;
  }
  return l->wbytes - pad + (l->noutliers ? 4 * (l->N + 1) + l->noutliers * (2 + (d->outlier_bits + 7) / 8) : 0);
}

int64_t dl_acc_bin_index(const DlCall *c, int op, int64_t m) {
  if (dl_call_binary_is_dense(c)) return m;
  const dlrt_i *st = op ? c->bs : c->as;
  int64_t idx = 0;
  for (int i = c->r - 1; i >= 0; i--) {
    idx += (m % c->dims[i]) * st[i];
    m /= c->dims[i];
  }
  return idx;
}

int dl_acc_gather_source(const DlStep *st, int64_t m, int64_t *idx) {
  const struct DlQStep *q = st->q;
  if (q->kind == DL_Q_COPY) { /* transpose, slice, expand, tile: the offset plus each coordinate times its stride */
    const DlCall *c = &q->c;
    int64_t src = c->offset, rest = m;
    for (int i = c->r - 1; i >= 0; i--) src += rest % c->dims[i] * c->as[i], rest /= c->dims[i];
    return *idx = src, 0;
  }
  if (q->kind == DL_Q_GATHER) { /* nearest resize: per axis, the source offset of the output coordinate */
    const DlCall *c = &q->c;
    int64_t base = 0, src = 0, rest = m, coord[8];
    for (int i = c->r - 1; i >= 0; i--) coord[i] = rest % c->dims[i], rest /= c->dims[i];
    for (int i = 0; i < c->r; i++) src += c->tab[base + coord[i]], base += c->dims[i];
    return *idx = src, 0;
  }
  int64_t row = 0;
  for (int i = 0; i < st->nin; i++) row += q->chunk[i];
  int64_t o = m / row, r = m % row;
  for (int i = 0; i < st->nin; i++) {
    if (r < q->chunk[i]) return *idx = o * q->chunk[i] + r, i;
    r -= q->chunk[i];
  }
  return *idx = 0, 0;
}

/* --- which steps run here ------------------------------------------------ */

static bool is_pow2(int64_t v) { return v > 0 && !(v & (v - 1)); }

int dl_acc_layer_of_step(DlPlan *plan, int s, const DlAccDevice *dev, DlAccLayer *l, DlError *e) {
  const DlStep *st = &plan->steps[s];
  const struct DlQStep *q = st->q;
  memset(l, 0, sizeof *l);
  l->step = s;
  if (!q || mlirValueIsNull(st->val)) return 0;
  const DlCall *c = &q->c;
  const DlShape *ys = &plan->slot[st->out].shape;
  if (q->xes > 2 || q->o.es > 2) return 0; /* 32-bit tensors stay on the host */
  if (q->kind == DL_Q_CONV || (q->kind == DL_Q_MATMUL && q->wdata)) {
    if (q->kind == DL_Q_CONV) {
      const dlrt_win *g = &c->win;
      l->kind = DL_ACC_L_CONV;
      l->M = g->n * g->od[0] * g->od[1] * g->od[2], l->N = g->m, l->K = g->c / g->group * g->k[0] * g->k[1] * g->k[2];
    } else {
      if (!dl_call_matmul_is_flat(c)) return 0;
      l->kind = DL_ACC_L_MATMUL;
      l->M = c->batches * c->M, l->N = c->N, l->K = c->K;
    }
    /* the bound the simulator checks at load (sim.c, check_layer): a layer whose
     * sums times its multiplier could leave int64 (16-bit activations, long K)
     * stays on the host instead of making a program that does not load */
    double wmax = 0, bmax = 0, xmax = (double)((int64_t)1 << (8 * q->xes)) + 1;
    for (int64_t i = 0; i < q->nw; i++) {
      double v = fabs((double)qrt_wget(q->w, i));
      wmax = v > wmax ? v : wmax;
    }
    for (int64_t n = 0; q->bias && n < l->N; n++) bmax = fabs((double)q->bias[n]) > bmax ? fabs((double)q->bias[n]) : bmax;
    for (int64_t n = 0; n < (q->nmult == 1 ? 1 : l->N); n++) {
      double peak = ((double)l->K * xmax * wmax + bmax) * (double)q->mult[n].m0;
      if (peak >= DL_ACC_REQUANT_LIMIT) return l->wide = peak, 0;
    }
    for (int64_t n = 0; n < (q->nmult == 1 ? 1 : l->N); n++)
      if (!dev->requant_mult && !is_pow2(q->mult[n].m0))
        return dl_error_set(e, "%s: device '%s' requantizes by shift only, and this layer's multiplier %lld * 2^-%d is not a "
                               "power of two (quantize with --pow2: dynamic fixed point)",
                            st->where, dev->name, (long long)q->mult[n].m0, q->mult[n].shift),
               -1;
    return 1;
  }
  if (q->kind == DL_Q_BINARY && st->k == DL_OP_MUL) { /* operand 1 may broadcast (squeeze-excitation scales) */
    if (!dev->requant_mult && !is_pow2(q->mult[0].m0)) return 0; /* a shift-only unit cannot: the host multiplies */
    l->kind = DL_ACC_L_MUL, l->M = dl_shape_numel(ys), l->N = 1, l->K = 2;
    return 1;
  }
  if (q->kind == DL_Q_BINARY && (st->k == DL_OP_ADD || st->k == DL_OP_SUB)) {
    if (!dev->requant_mult && (!is_pow2(q->mult[0].m0) || !is_pow2(q->mb.m0)))
      return dl_error_set(e, "%s: device '%s' adds with shifts only, and this add's multipliers are not powers of two "
                             "(quantize with --pow2)", st->where, dev->name),
             -1;
    l->kind = DL_ACC_L_ADD, l->M = dl_shape_numel(ys), l->N = 1, l->K = 2;
    return 1;
  }
  if (q->kind == DL_Q_POOL && c->sub == 0) {
    const dlrt_win *g = &c->win;
    l->kind = DL_ACC_L_MAXPOOL, l->M = dl_shape_numel(ys), l->N = 1, l->K = g->k[0] * g->k[1] * g->k[2];
    return 1;
  }
  if (q->kind == DL_Q_CONCAT) { /* the DMA gathers each output element from its operand */
    int64_t row = 0;
    for (int i = 0; i < st->nin; i++) row += q->chunk[i];
    if (row <= 0) return 0;
    l->kind = DL_ACC_L_GATHER, l->M = dl_shape_numel(ys), l->N = 1, l->K = 1;
    return 1;
  }
  if ((q->kind == DL_Q_GATHER && c->r <= 8) || (q->kind == DL_Q_COPY && c->r >= 1)) {
    /* nearest resize and strided copies (transpose, slice, expand, tile): the same gathering copy */
    l->kind = DL_ACC_L_GATHER, l->M = dl_shape_numel(ys), l->N = 1, l->K = 1;
    return 1;
  }
  if (q->kind == DL_Q_LUT && q->lut_n <= 256) {
    l->kind = DL_ACC_L_LUT, l->M = dl_shape_numel(ys), l->N = 1, l->K = 1;
    return 1;
  }
  return 0;
}

/* --- weights -------------------------------------------------------------- */

static bool fits(int64_t v, int bits) { return v >= -((int64_t)1 << (bits - 1)) && v < ((int64_t)1 << (bits - 1)); }

/* The dense width for weights w (n of them): the narrowest supported one that
 * holds them all, or, with an outlier unit, all but at most 3%. */
static int dense_bits(const DlAccDevice *dev, const int32_t *w, int64_t n, int64_t *nout) {
  int widths[] = {2, 4, 8, 16};
  for (int i = 0; i < 4; i++) {
    int b = widths[i];
    if ((b == 2 && !dev->pack2) || (b == 4 && !dev->pack4)) continue;
    int64_t out = 0;
    bool ok = true;
    for (int64_t j = 0; j < n; j++)
      if (!fits(w[j], b)) out++, ok = ok && fits(w[j], dev->outlier_bits);
    if (!out || (dev->outlier_lanes && ok && out * 100 <= 3 * n && b < dev->outlier_bits)) {
      *nout = out;
      return b;
    }
  }
  *nout = 0;
  return 16;
}

static void put_bits(unsigned char *p, int64_t i, int bits, int32_t v) {
  uint32_t u = (uint32_t)v & ((1u << bits) - 1);
  for (int b = 0; b < bits; b++, i++)
    if (u >> b & 1) p[i >> 3] |= (unsigned char)(1u << (i & 7));
}

/* --- tiling ----------------------------------------------------------------- */

/* A weight tile shape in the block format: whether every tile of it is made
 * of whole blocks, the largest tile's bytes (bitmap bits and nonzero blocks:
 * what the weight buffer must hold) and all tiles' bytes together. */
typedef struct {
  bool aligned;
  int64_t max_bytes;
  double sum_bytes;
} BlockTiles;

typedef struct {
  const DlAccDevice *dev;
  const DlStep *st;
  DlAccLayer *l;
  int64_t pg; /* channels per group: an n tile never straddles groups */
  int accb;   /* accumulator bytes */
  int xes, oes;
  /* the block format (l->wformat == DL_ACC_W_BLOCKS): the grid, its block offsets, the nonzero blocks */
  DlAccGrid g;
  const int64_t *off;
  int64_t nnz;
  const BlockTiles *bt; /* of the (nt, kt) candidate being tried */
  double best_ns, best_bytes; /* choose_tiles' result */
} Tiling;

static int passes_of(const DlAccDevice *d, int wbits, int xes) {
  (void)d;
  return (wbits > 8 ? 2 : 1) * (xes > 1 ? 2 : 1);
}

int64_t dl_acc_gemm_cycles(const DlAccDevice *d, const DlAccLayer *l, int xes, int64_t mt, int64_t blocks) {
  return ((mt + d->pe_rows - 1) / d->pe_rows) * blocks * passes_of(d, l->wbits, xes) + d->pe_rows + d->pe_cols;
}

static int64_t wtile_bytes(const DlAccLayer *l, int64_t nt, int64_t kt) { return nt * ((kt * l->wbits + 7) / 8); }

static void block_tiles(const Tiling *t, int64_t nt, int64_t kt, BlockTiles *bt) {
  const DlAccLayer *l = t->l;
  memset(bt, 0, sizeof *bt);
  if (!dl_acc_tile_aligned(&t->g, l, 0, nt, 0, kt)) return; /* tiles repeat the first one's alignment */
  bt->aligned = true;
  for (int64_t g0 = 0; g0 < l->N; g0 += t->pg)
    for (int64_t n0 = g0; n0 < g0 + t->pg; n0 += nt)
      for (int64_t k0 = 0; k0 < l->K; k0 += kt) {
        int64_t n1 = n0 + nt < g0 + t->pg ? n0 + nt : g0 + t->pg, k1 = k0 + kt < l->K ? k0 + kt : l->K, nnz, elems;
        int64_t b = dl_acc_tile_blocks(&t->g, l, t->off, n0, n1, k0, k1, &nnz, &elems);
        bt->sum_bytes += (double)b;
        if (b > bt->max_bytes) bt->max_bytes = b;
      }
}

/* Estimated ns and DRAM bytes of a tiling. In the block format the compute
 * cycles and weight bytes add up over the tiles, so the layer's nonzero
 * blocks and the tiles' byte sum give them exactly. */
static void estimate(const Tiling *t, int64_t mt, int64_t nt, int64_t kt, int order, double *ns, double *bytes) {
  const DlAccLayer *l = t->l;
  const DlAccDevice *d = t->dev;
  int64_t TM = (l->M + mt - 1) / mt, TN = (l->N + nt - 1) / nt, TK = (l->K + kt - 1) / kt;
  double xb = (double)dl_acc_x_bytes(t->st, l, 0, mt < l->M ? mt : l->M, 0, kt < l->K ? kt : l->K, 0);
  double wsum = l->wformat == DL_ACC_W_BLOCKS ? t->bt->sum_bytes : (double)(TN * TK) * (double)wtile_bytes(l, nt, kt);
  if (l->wformat == DL_ACC_W_CODEBOOK) wsum += (double)dl_acc_codebook_bytes(l) * (double)l->N; /* with each k = 0 tile */
  double wtimes, xl; /* loads of each weight tile; input tile loads */
  if (order == 0) wtimes = TK == 1 ? 1 : (double)TM, xl = (double)(TN * TM * TK);
  else xl = (double)(TM * TK) * (TK == 1 && t->pg == l->N ? 1 : (double)TN), wtimes = (double)TM;
  double wl = wtimes * (double)(TN * TK);
  *bytes = wtimes * (wsum + 12.0 * (double)l->noutliers) + xl * xb + (double)(l->M * l->N * t->oes);
  double cycles;
  if (l->wformat == DL_ACC_W_BLOCKS)
    cycles = (double)TM * ((double)dl_acc_gemm_cycles(d, l, t->xes, mt, t->nnz) - (double)(d->pe_rows + d->pe_cols) +
                           (double)(TN * TK) * (double)(d->pe_rows + d->pe_cols));
  else
    cycles = (double)(TM * TN * TK) * (double)dl_acc_gemm_cycles(d, l, t->xes, mt, dl_acc_dense_blocks(d, l, nt, kt));
  double compute = cycles / d->ghz;
  double dram = *bytes / d->dram_gbs + (wl + xl + (double)(TM * TN)) * d->dram_ns;
  *ns = compute > dram ? compute : dram;
}

static bool fits_buffers(const Tiling *t, int64_t mt, int64_t nt, int64_t kt) {
  const DlAccDevice *d = t->dev;
  int64_t xb = mt * kt * t->xes; /* the input buffer holds the im2col tile */
  int64_t wb = t->l->wformat == DL_ACC_W_BLOCKS ? t->bt->max_bytes : wtile_bytes(t->l, nt, kt);
  if (t->l->wformat == DL_ACC_W_BLOCKS && !t->bt->aligned) return false;
  return xb <= d->ibuf / 2 && wb <= d->wbuf / 2 && mt * nt * t->accb <= d->abuf / 2 && mt * nt * t->oes <= d->obuf / 2;
}

/* Powers of two below n, and n. */
static int candidates(int64_t n, int64_t *v) {
  int c = 0;
  for (int64_t x = 1; x < n && c < 40; x *= 2) v[c++] = x;
  v[c++] = n;
  return c;
}

/* The tiling with the least estimated time (then the fewest DRAM bytes)
 * among power-of-two tiles and whole dimensions that fit the buffers; in the
 * block format only tiles of whole blocks. */
static bool choose_tiles(Tiling *t) {
  DlAccLayer *l = t->l;
  int64_t ms[48], ns[48], ks[48];
  int nm = candidates(l->M, ms), nn = candidates(t->pg, ns), nk = candidates(l->K, ks);
  BlockTiles *bts = NULL;
  if (l->wformat == DL_ACC_W_BLOCKS) {
    bts = malloc(sizeof(BlockTiles) * (size_t)(nn * nk));
    for (int j = 0; j < nn; j++)
      for (int k = 0; k < nk; k++) block_tiles(t, ns[j], ks[k], &bts[j * nk + k]);
  }
  double best_ns = -1, best_b = 0;
  for (int i = 0; i < nm; i++)
    for (int j = 0; j < nn; j++)
      for (int k = 0; k < nk; k++) {
        t->bt = bts ? &bts[j * nk + k] : NULL;
        if (!fits_buffers(t, ms[i], ns[j], ks[k])) continue;
        for (int order = 0; order < 2; order++) {
          double est, b;
          estimate(t, ms[i], ns[j], ks[k], order, &est, &b);
          if (best_ns < 0 || est < best_ns * 0.999 || (est <= best_ns * 1.001 && b < best_b))
            best_ns = est, best_b = b, l->mt = ms[i], l->nt = ns[j], l->kt = ks[k], l->order = order;
        }
      }
  free(bts);
  t->bt = NULL, t->best_ns = best_ns, t->best_bytes = best_b;
  return best_ns >= 0;
}

/* --- instructions ----------------------------------------------------------- */

typedef struct {
  DlAccProgram *p;
  int64_t cap;
  int layer;
} Emit;

/* Appends an instruction; dep1 / dep2 are absolute indices (or -1). */
static int64_t emit(Emit *m, DlAccOp op, unsigned slots, int64_t dep1, int64_t dep2, int64_t a0, int64_t a1, int64_t b0,
                    int64_t b1, int64_t c0, int64_t c1) {
  DlAccProgram *p = m->p;
  if (p->ninsn == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 1024;
    p->insn = realloc(p->insn, sizeof(DlAccInsn) * (size_t)m->cap);
  }
  int64_t i = p->ninsn++;
  uint64_t d1 = dep1 >= 0 ? (uint64_t)(i - dep1) : 0, d2 = dep2 >= 0 ? (uint64_t)(i - dep2) : 0;
  if (d1 > 0xFFFF) d1 = 0; /* further back than any in-flight work: the engines' order already covers it */
  if (d2 > 0xFFFF) d2 = 0;
  DlAccInsn *in = &p->insn[i];
  in->w[0] = (uint64_t)op | (uint64_t)(slots & 0xFF) << 8 | d1 << 16 | d2 << 32 | (uint64_t)(m->layer & 0xFFFF) << 48;
  in->w[1] = (uint64_t)(uint32_t)a0 | (uint64_t)(uint32_t)a1 << 32;
  in->w[2] = (uint64_t)(uint32_t)b0 | (uint64_t)(uint32_t)b1 << 32;
  in->w[3] = (uint64_t)(uint32_t)c0 | (uint64_t)(uint32_t)c1 << 32;
  return i;
}

static void emit_cfg(Emit *m, const DlStep *st, const DlAccLayer *l, int xbits, int obits, bool shift_only) {
  const struct DlQStep *q = st->q;
  int64_t zx = l->kind == DL_ACC_L_LUT ? q->lut_lo : q->zx, zb = dl_acc_is_binary(l->kind) ? q->zw : 0;
  int64_t i = emit(m, DL_ACC_CFG, 0, -1, -1, zx, zb, q->o.zp, q->o.lo, q->o.hi, 0);
  m->p->insn[i].w[3] = (uint64_t)(uint32_t)q->o.hi |
                       (uint64_t)((unsigned)xbits | (unsigned)l->wbits << 8 | (unsigned)obits << 16 |
                                  (unsigned)shift_only << 24)
                           << 32;
}

/* One GEMM layer's tiles, double-buffered: loads go to the half the previous
 * load did not use and wait for the last GEMM that read that half. */
static void emit_gemm(Emit *m, const DlAccLayer *l, int64_t pg) {
  int64_t last_x[2] = {-1, -1}, last_w[2] = {-1, -1}, last_st[2] = {-1, -1}, lx = -1, lw = -1;
  int hx = 1, hw = 1, ha = 0, ho = 0;
  int64_t TK = (l->K + l->kt - 1) / l->kt, groups = l->N / pg;
  int64_t nm = (l->M + l->mt - 1) / l->mt;
  int64_t ntile = 0; /* n tiles, group by group */
  for (int64_t g = 0; g < groups; g++) ntile += (pg + l->nt - 1) / l->nt;
  int64_t outer = l->order == 0 ? ntile : nm, inner = l->order == 0 ? nm : ntile, xgroup = -1;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      int64_t mi = l->order == 0 ? in : o, ni = l->order == 0 ? o : in;
      int64_t per = (pg + l->nt - 1) / l->nt, g = ni / per;
      int64_t n0 = g * pg + (ni % per) * l->nt, n1 = n0 + l->nt < (g + 1) * pg ? n0 + l->nt : (g + 1) * pg;
      int64_t m0 = mi * l->mt, m1 = m0 + l->mt < l->M ? m0 + l->mt : l->M;
      for (int64_t k0 = 0; k0 < l->K; k0 += l->kt) {
        int64_t k1 = k0 + l->kt < l->K ? k0 + l->kt : l->K;
        /* a loaded input tile serves the next channel tile only within one convolution group */
        bool stationary_w = l->order == 0 && TK == 1 && in > 0, stationary_x = l->order == 1 && TK == 1 && in > 0 && g == xgroup;
        xgroup = g;
        if (!stationary_w) {
          hw ^= 1;
          lw = emit(m, DL_ACC_LOAD_W, (unsigned)hw << 1, last_w[hw], -1, 0, 0, n0, n1, k0, k1);
        }
        if (!stationary_x) {
          hx ^= 1;
          lx = emit(m, DL_ACC_LOAD_X, (unsigned)hx, last_x[hx], -1, m0, m1, n0, n1, k0, k1);
        }
        int64_t gi = emit(m, DL_ACC_GEMM, (unsigned)hx | (unsigned)hw << 1 | (unsigned)ha << 2 | (k0 > 0 ? 8u : 0u), lx, lw,
                          m0, m1, n0, n1, k0, k1);
        last_x[hx] = last_w[hw] = gi;
      }
      int64_t r = emit(m, DL_ACC_REQ, (unsigned)ho | (unsigned)ha << 2, last_st[ho], -1, m0, m1, n0, n1, 0, 0);
      last_st[ho] = emit(m, DL_ACC_STORE, (unsigned)ho, r, -1, m0, m1, n0, n1, 0, 0);
      ho ^= 1, ha ^= 1;
    }
}

static void emit_alu(Emit *m, const DlAccLayer *l) {
  int64_t last_x[2] = {-1, -1}, last_st[2] = {-1, -1};
  int hx = 1, ho = 0;
  for (int64_t m0 = 0; m0 < l->M; m0 += l->mt) {
    int64_t m1 = m0 + l->mt < l->M ? m0 + l->mt : l->M;
    hx ^= 1;
    int64_t lx = emit(m, DL_ACC_LOAD_X, (unsigned)hx, last_x[hx], -1, m0, m1, 0, 1, 0, l->K);
    int64_t a = emit(m, DL_ACC_ALU, (unsigned)hx | (unsigned)ho << 2, lx, last_st[ho], m0, m1, 0, 1, 0, l->K);
    last_x[hx] = a;
    last_st[ho] = emit(m, DL_ACC_STORE, (unsigned)ho, a, -1, m0, m1, 0, 1, 0, 0);
    ho ^= 1;
  }
}

static int range_bits(int64_t lo, int64_t hi) {
  int n = 1;
  while (((int64_t)1 << n) <= hi - lo) n++;
  return n;
}

bool dl_acc_compile(DlPlan *plan, MlirModule mod, const DlAccDevice *dev, bool timing, DlAccProgram *out, DlError *e) {
  (void)timing; /* its instruction stream is small: the timing model reads it as it is */
  memset(out, 0, sizeof *out);
  out->dev = *dev;
  bool ok = false;
  Emit m = {out, 0, 0};
  int64_t wcap = 0, ocap = 0, pcap = 0;
  out->l = calloc((size_t)plan->nsteps + 1, sizeof(DlAccLayer));
  for (int s = 0; s < plan->nsteps; s++) {
    DlAccLayer l;
    int r = dl_acc_layer_of_step(plan, s, dev, &l, e);
    if (r < 0) goto cleanup;
    if (!r && l.wide > 0 && !out->nwide++) { /* the first one is named (dl_target_acc_emit) */
      snprintf(out->wide_where, sizeof out->wide_where, "%s", plan->steps[s].where);
      out->wide_peak = l.wide;
    }
    if (!r) continue;
    const DlStep *st = &plan->steps[s];
    const struct DlQStep *q = st->q;
    DlQParams qx;
    if (!dl_qparams_of_type(mlirValueGetType(mlirOperationGetOperand(mlirOpResultGetOwner(st->val), 0)), &qx)) continue;
    int xbits = range_bits(qx.qmin, qx.qmax), obits = range_bits(q->o.lo, q->o.hi);
    Tiling t = {.dev = dev, .st = st, .l = &l, .pg = l.N, .accb = q->acc_bits <= 32 ? 4 : 8, .xes = q->xes, .oes = q->o.es};
    m.layer = out->nl;
    l.poff = out->npar, l.pg = 1;
    if (l.kind == DL_ACC_L_CONV || l.kind == DL_ACC_L_MATMUL) {
      if (l.kind == DL_ACC_L_CONV) t.pg = l.N / q->c.win.group;
      l.pg = t.pg;
      int64_t nw = l.N * l.K;
      int32_t *w = malloc(sizeof(int32_t) * (size_t)nw);
      int cbits = q->w.cb ? q->w.bits : 0; /* codebook indices: stored as they are, decoded before the PE array */
      int64_t cbytes = 0;
      qrt_wts raw = {q->w.data, q->w.bits, q->w.cl, NULL};
      for (int64_t n = 0; n < l.N; n++)
        for (int64_t k = 0; k < l.K; k++)
          w[n * l.K + k] = qrt_wget(raw, l.kind == DL_ACC_L_CONV ? n * l.K + k : k * l.N + n);
      if (cbits) {
        for (int64_t i = 0; i < nw; i++) w[i] &= (1 << cbits) - 1;
        l.wbits = cbits <= 2 && dev->pack2 ? 2 : cbits <= 4 && dev->pack4 ? 4 : 8, l.noutliers = 0;
        cbytes = l.N << cbits; /* one codebook per output channel (a layer's own repeated) */
      } else {
        l.wbits = dense_bits(dev, w, nw, &l.noutliers);
      }
      /* the dense matrix as stored: outliers hold 0 there (the outlier unit computes them in either format) */
      for (int64_t i = 0; i < nw; i++)
        if (!cbits && !fits(w[i], l.wbits)) {
          if (out->nout == ocap) ocap = ocap ? ocap * 2 : 1024, out->out = realloc(out->out, sizeof(DlAccOutlier) * (size_t)ocap);
          out->out[out->nout++] = (DlAccOutlier){(uint32_t)(i % l.K), (uint32_t)(i / l.K), w[i]};
          w[i] = 0;
        }
      l.ooff = out->nout - l.noutliers;
      /* the zero blocks, and the bitmap that would mark the others */
      DlAccGrid g;
      dl_acc_grid(dev, &l, &g);
      int64_t bm = dl_acc_bitmap_bytes(&g), blocks_bytes;
      unsigned char *bitmap = calloc((size_t)bm, 1);
      for (int64_t b = 0; b < g.n; b++) {
        int64_t n0, n1, k0, k1;
        bool nz = false;
        dl_acc_block_range(&g, &l, b / g.kb, b % g.kb, &n0, &n1, &k0, &k1);
        for (int64_t n = n0; n < n1 && !nz; n++)
          for (int64_t k = k0; k < k1 && !nz; k++) nz = w[n * l.K + k] != 0;
        if (nz) bitmap[b >> 3] |= (unsigned char)(1u << (b & 7));
      }
      int64_t *off = dl_acc_block_offsets(&g, &l, bitmap, &blocks_bytes, &l.zblocks);
      /* the format: blocks when the zero blocks weigh more than the bitmap
       * (so the weights shrink) and the best tiling of whole blocks is
       * estimated no slower than the best dense one; dense otherwise */
      l.wformat = cbits ? DL_ACC_W_CODEBOOK : DL_ACC_W_DENSE;
      if (cbits) l.zblocks = 0, l.wbytes = (nw * l.wbits + 7) / 8 + cbytes; /* index 0 is not weight 0: no block is skipped */
      bool tiled = choose_tiles(&t);
      if (!cbits && blocks_bytes < (nw * l.wbits + 7) / 8) {
        DlAccLayer dense = l;
        double dense_ns = t.best_ns;
        t.g = g, t.off = off, t.nnz = g.n - l.zblocks;
        l.wformat = DL_ACC_W_BLOCKS;
        if (choose_tiles(&t) && (!tiled || t.best_ns <= dense_ns * 1.001)) tiled = true;
        else l = dense;
      }
      l.wbytes = l.wformat == DL_ACC_W_BLOCKS ? blocks_bytes : (nw * l.wbits + 7) / 8 + cbytes;
      l.woff = (out->wseg_len + 3) & ~(int64_t)3; /* aligned: 16-bit weights read as int16 */
      if (l.woff + l.wbytes > wcap) {
        wcap = (l.woff + l.wbytes) * 2;
        out->wseg = realloc(out->wseg, (size_t)wcap);
      }
      unsigned char *dst = out->wseg + l.woff;
      memset(out->wseg + out->wseg_len, 0, (size_t)(l.woff + l.wbytes - out->wseg_len));
      if (l.wformat != DL_ACC_W_BLOCKS) {
        for (int64_t i = 0; i < nw; i++) put_bits(dst, i * l.wbits, l.wbits, w[i]);
        for (int64_t j = 0; j < cbytes; j++) /* channel n's entries: its own codebook, or the layer's */
          dst[(nw * l.wbits + 7) / 8 + j] = (unsigned char)q->w.cb[((j >> cbits) % q->w.cbn << cbits) + (j & ((1 << cbits) - 1))];
      } else { /* the bitmap, then each nonzero block's [n][k] weights from a whole byte */
        memcpy(dst, bitmap, (size_t)bm);
        for (int64_t b = 0; b < g.n; b++) {
          if (off[b] < 0) continue;
          int64_t n0, n1, k0, k1, i = 0;
          dl_acc_block_range(&g, &l, b / g.kb, b % g.kb, &n0, &n1, &k0, &k1);
          for (int64_t n = n0; n < n1; n++)
            for (int64_t k = k0; k < k1; k++, i++) put_bits(dst + bm + off[b], i * l.wbits, l.wbits, w[n * l.K + k]);
        }
      }
      out->wseg_len = l.woff + l.wbytes;
      free(w), free(bitmap), free(off);
      if (out->npar + 3 * l.N > pcap) pcap = (out->npar + 3 * l.N) * 2, out->par = realloc(out->par, sizeof(int64_t) * (size_t)pcap);
      for (int64_t n = 0; n < l.N; n++) {
        qrt_mult mu = q->mult[q->nmult == 1 ? 0 : n];
        out->par[l.poff + n] = q->bias ? q->bias[n] : 0;
        out->par[l.poff + l.N + n] = mu.m0;
        out->par[l.poff + 2 * l.N + n] = mu.shift;
      }
      out->npar += 3 * l.N;
      /* the lower bound: every weight (as stored), input and output byte crosses the DRAM interface once */
      l.dram_lb = dl_acc_weight_bytes(dev, &l) +
                  dl_shape_numel(&plan->slot[st->in[0]].shape) * q->xes + l.M * l.N * q->o.es;
      if (!tiled) {
        dl_error_set(e, "%s: no tiling fits the buffers of device '%s'", st->where, dev->name);
        goto cleanup;
      }
      emit_cfg(&m, st, &l, xbits, obits, !dev->requant_mult);
      l.icmd = out->ninsn - 1;
      emit_gemm(&m, &l, t.pg);
    } else {
      int64_t np = l.kind == DL_ACC_L_ADD ? 3 : l.kind == DL_ACC_L_MUL ? 2 : l.kind == DL_ACC_L_LUT ? q->lut_n : 0;
      if (out->npar + np > pcap) pcap = (out->npar + np) * 2 + 16, out->par = realloc(out->par, sizeof(int64_t) * (size_t)pcap);
      if (l.kind == DL_ACC_L_ADD) {
        out->par[l.poff] = q->mult[0].m0;
        out->par[l.poff + 1] = (st->k == DL_OP_SUB ? -1 : 1) * q->mb.m0;
        out->par[l.poff + 2] = q->mult[0].shift;
      }
      if (l.kind == DL_ACC_L_MUL) out->par[l.poff] = q->mult[0].m0, out->par[l.poff + 1] = q->mult[0].shift;
      for (int64_t i = 0; l.kind == DL_ACC_L_LUT && i < np; i++) out->par[l.poff + i] = q->lut[i];
      out->npar += np;
      int64_t per = l.K * (q->xes > q->wes ? q->xes : q->wes);
      l.mt = dev->ibuf / 2 / per < dev->obuf / 2 / q->o.es ? dev->ibuf / 2 / per : dev->obuf / 2 / q->o.es;
      if (l.mt > l.M) l.mt = l.M;
      if (l.mt < 1) {
        dl_error_set(e, "%s: one element's window does not fit the buffers of device '%s'", st->where, dev->name);
        goto cleanup;
      }
      l.nt = 1, l.kt = l.K, l.wbits = 0;
      l.dram_lb = dl_acc_x_bytes(st, &l, 0, l.M, 0, l.K, 0) + l.M * q->o.es;
      emit_cfg(&m, st, &l, xbits, obits, !dev->requant_mult);
      l.icmd = out->ninsn - 1;
      emit_alu(&m, &l);
    }
    emit(&m, DL_ACC_SYNC, 0, -1, -1, 0, 0, 0, 0, 0, 0);
    l.ncmd = out->ninsn - l.icmd;
    out->l[out->nl++] = l;
  }
  m.layer = 0;
  emit(&m, DL_ACC_FINISH, 0, -1, -1, 0, 0, 0, 0, 0, 0);
  out->mlir = dl_print_op(mlirModuleGetOperation(mod), DL_PRINT_LOC, &out->mlir_len);
  ok = true;
cleanup:
  if (!ok) dl_acc_program_free(out);
  return ok;
}

void dl_acc_program_free(DlAccProgram *p) {
  free(p->mlir), free(p->l), free(p->insn), free(p->wseg), free(p->out), free(p->par);
  memset(p, 0, sizeof *p);
}
