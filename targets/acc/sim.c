/* The accelerator simulator: executes an .accbin's instructions on real
 * buffers (functional, bit-exact with the integer interpreter) and times
 * them on three in-order engines: load (LOAD_X, LOAD_W), compute (CFG,
 * GEMM, REQ, ALU) and store (STORE). An instruction starts when its engine
 * is free and the instructions it depends on have finished, so loads of the
 * next tile overlap the current GEMM (double buffering). DRAM transfers
 * take latency + bytes / bandwidth; the two DMA engines do not contend in
 * this model. Host steps run in the interpreter, charged to the host model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../target_util.h"
#include "acc_internal.h"
#include "dlc/compress.h"
#include "dlc/schema.h"
#include "dlc/support.h"
#include "dlc/trace.h"
#include "dlc/xsum.h"

/* A layer's or host step's figures: summed within a run here, then added
 * exactly (dlc/xsum.h) to the totals, so any split of the runs over
 * simulators (dlc-run --jobs, --shard) gives the same totals. act_dram: of
 * dram, the activation bytes (LOAD_X, STORE, the host's reads and writes);
 * skipped_cycles: GEMM cycles the zero weight blocks did not take. */
#define ACC_STATS(X) X(ns) X(nj) X(dram) X(macs) X(gemm_cycles) X(peak_cycles) X(busy_ns) X(act_dram) X(skipped_cycles) X(runs)
#define FIELD(n) double n;
typedef struct {
  ACC_STATS(FIELD)
} Stat;
#undef FIELD
#define NSTAT ((int)(sizeof(Stat) / sizeof(double)))

struct DlAccSim {
  const DlAccProgram *p;
  DlPlan *plan;
  int *lof;
  int32_t *ib[2];
  const DlAccOutlier *wo[2]; /* a tile's outliers: a run of the sorted list */
  int64_t nwo[2];
  int64_t *ab[2];
  int32_t *ob[2], *wdec[2]; /* wdec: the weight buffer halves, unpacked */
  int64_t wnnz[2], welems[2], wtbytes[2]; /* per weight half: nonzero blocks, their weights, the tile's bytes */
  DlAccGrid *grid;  /* per layer: its weight blocks */
  int64_t **boff;   /* per layer in the block format: each block's offset after the bitmap, -1 when zero */
  int64_t zx, zb, zo, lo, hi;
  int xbits, wbits;
  Stat *ls, *hs; /* per layer, per plan step (host): this run's, or the totals when settled */
  DlXSum *xs;    /* the totals of the runs before: NSTAT per layer, then per plan step */
  bool settled;  /* ls and hs hold the totals */
  double *tend, sim_s;
  bool *narrow; /* per layer: every partial sum fits int32 */
  bool timing_only; /* account time and energy without computing values */
  /* activations kept compressed in DRAM (dl_acc_sim_compress): per plan slot,
   * compressed / raw bytes of what was stored, or -1 when not yet known */
  bool compress;     /* some slot is kept compressed (zok) */
  double codec_bpc; /* bytes per cycle of the compressor and the decompressor */
  double *ratio, *sraw, *scomp;
  dlz_params *zp; /* per plan slot: the compression parameters of its type */
  bool *zok;
  unsigned char *zbuf;
  size_t zcap;
  char *tbuf; /* a STORE tile gathered for the compressor */
  size_t tcap;
  DlTrace *trace; /* or NULL (dl_acc_sim_trace) */
  double now_ns;  /* simulated time of the trace */
};

/* Compressed bytes of n values of slot `slot` as stored (es bytes each):
 * the size dlz_encode produces with the slot's parameters. A timing-only run
 * has no values to encode, so it counts them raw. */
static double zbytes(DlAccSim *s, int slot, const void *x, int es, int64_t n) {
  if (!s->zok[slot] || s->timing_only) return (double)(n * es);
  const dlz_params *zp = &s->zp[slot];
  size_t need = dlz_bound(zp, n);
  if (need > s->zcap) s->zcap = need * 2, s->zbuf = realloc(s->zbuf, s->zcap);
  return (double)dlz_encode(zp, x, es, n, s->zbuf);
}

/* The compression ratio of slot's tensor in DRAM: measured on its stores, or,
 * for a tensor the host wrote, on the whole tensor once per run. */
static double slot_ratio(DlAccSim *s, int slot) {
  if (!s->zok[slot]) return 1;
  if (s->ratio[slot] >= 0) return s->ratio[slot];
  const DlTensor *t = &s->plan->slot[slot];
  int es = (int)dl_dtype_size(t->shape.dtype);
  int64_t n = dl_shape_numel(&t->shape);
  double raw = (double)(n * es), z = es <= 2 ? zbytes(s, slot, t->data, es, n) : raw;
  return s->ratio[slot] = raw > 0 ? z / raw : 1;
}

/* Which values live compressed in DRAM (zok, with their dlz parameters zp),
 * per plan slot: with scheme < 0, those whose producing op carries a
 * dlc.compress choice (--compress-activations), with its scheme, K and
 * block; else every per-tensor quantized value, under that scheme in blocks
 * of `block` (K still from its choice: K is part of what the model computes). */
static bool compress_setup(DlAccSim *s, int scheme, int block, DlError *e) {
  DlPlan *p = s->plan;
  memset(s->zok, 0, sizeof(bool) * (size_t)(p->nslots + 1));
  s->compress = false;
  for (int i = 0; i < p->nsteps + p->nin; i++) { /* every value's slot, once */
    int slot = i < p->nsteps ? p->steps[i].out : p->in_slot[i - p->nsteps];
    MlirValue v = i < p->nsteps ? p->steps[i].val : p->in_val[i - p->nsteps];
    if (!v.ptr || s->zok[slot]) continue;
    DlCompressChoice c = {DL_SCHEME_ALL, 0, block, 16, 0};
    int has = 0;
    if (mlirValueIsAOpResult(v) && (has = dl_compress_attr_get(mlirOpResultGetOwner(v), &c, e)) < 0) return false;
    if (scheme >= 0) c.scheme = (DlScheme)scheme, c.block = block;
    else if (!has) continue;
    if (dl_compress_params(&c, mlirValueGetType(v), &s->zp[slot])) s->zok[slot] = s->compress = true;
  }
  return true;
}

void dl_acc_sim_compress(DlAccSim *s, int scheme, int block, double bytes_per_cycle) {
  s->codec_bpc = bytes_per_cycle;
  if (scheme < 0) { /* none: every value raw (a K > 0 still rounds what STORE writes) */
    memset(s->zok, 0, sizeof(bool) * (size_t)(s->plan->nslots + 1));
    s->compress = false;
    return;
  }
  DlError e = {0};
  if (!compress_setup(s, scheme, block, &e)) dl_error_clear(&e); /* create has read every choice already */
}

static int64_t tile_need(const DlAccLayer *l) { return l->mt * (l->kt > 2 ? l->kt : 2); }

/* Buffers sized for the largest tile; every layer's tiles fit the device's buffers. */
static bool alloc_buffers(DlAccSim *s, DlError *e) {
  const DlAccDevice *d = &s->p->dev;
  int64_t ibn = 1, wn = 1, abn = 1;
  for (int i = 0; i < s->p->nl; i++) {
    const DlAccLayer *l = &s->p->l[i];
    const struct DlQStep *q = s->plan->steps[l->step].q;
    int64_t xb = tile_need(l) * (q->xes > q->wes ? q->xes : q->wes), wbytes = l->nt * ((l->kt * (l->wbits ? l->wbits : 8) + 7) / 8);
    if (l->wformat == DL_ACC_W_BLOCKS) { /* the largest tile a LOAD_W brings: bitmap bits and nonzero blocks */
      wbytes = 0;
      for (int64_t c = l->icmd; c < l->icmd + l->ncmd; c++) {
        const DlAccInsn *in = &s->p->insn[c];
        if (dl_acc_op(in) != DL_ACC_LOAD_W) continue;
        int64_t nnz, el, b = dl_acc_tile_blocks(&s->grid[i], l, s->boff[i], dl_acc_lo(in->w[2]), dl_acc_hi(in->w[2]),
                                                dl_acc_lo(in->w[3]), dl_acc_hi(in->w[3]), &nnz, &el);
        wbytes = b > wbytes ? b : wbytes;
      }
    }
    int64_t acc = l->mt * l->nt * (q->acc_bits <= 32 ? 4 : 8), ob = l->mt * l->nt * q->o.es;
    bool gemm = l->kind == DL_ACC_L_CONV || l->kind == DL_ACC_L_MATMUL;
    if ((gemm ? l->mt * l->kt * q->xes : xb) > d->ibuf / 2 || (gemm && wbytes > d->wbuf / 2) || (gemm && acc > d->abuf / 2) ||
        ob > d->obuf / 2)
      return dl_error_set(e, "layer %d (%s): its %lld x %lld x %lld tiles do not fit the buffers of device '%s'", i,
                          s->plan->steps[l->step].where, (long long)l->mt, (long long)l->nt, (long long)l->kt, d->name);
    if (tile_need(l) > ibn) ibn = tile_need(l);
    if (l->nt * l->kt > wn) wn = l->nt * l->kt;
    if (l->mt * l->nt > abn) abn = l->mt * l->nt;
  }
  for (int h = 0; h < 2; h++) {
    s->ib[h] = calloc((size_t)ibn, sizeof(int32_t));
    s->ab[h] = calloc((size_t)abn, sizeof(int64_t));
    s->ob[h] = calloc((size_t)abn, sizeof(int32_t));
  }
  for (int h = 0; h < 2; h++) s->wdec[h] = calloc((size_t)wn, sizeof(int32_t));
  return true;
}

static int acc_step_exec(void *user, int step, DlError *e);

/* One product of an approximate PE multiplier, as qrt_amul: sign-magnitude
 * around the unsigned 8x8 table, 0 for a zero operand. */
static int64_t pe_amul(const int32_t *t, int64_t a, int64_t b) {
  if (!a || !b) return 0;
  int64_t p = t[(a < 0 ? -a : a) * 256 + (b < 0 ? -b : b)];
  return (a < 0) != (b < 0) ? -p : p;
}

/* What a valid program must agree on with its model, and the bounds that keep
 * the integer arithmetic exact: a layer's cfg is its step's, and its weights
 * and biases keep every sum (times its multiplier) inside int64. */
static bool check_layer(DlAccSim *s, int li, DlError *e) {
  const DlAccProgram *p = s->p;
  const DlAccLayer *l = &p->l[li];
  const struct DlQStep *q = s->plan->steps[l->step].q;
  const DlAccInsn *cfg = &p->insn[l->icmd];
  int64_t zx = l->kind == DL_ACC_L_LUT ? q->lut_lo : q->zx, zb = dl_acc_is_binary(l->kind) ? q->zw : 0;
  if (dl_acc_op(cfg) != DL_ACC_CFG || (int32_t)dl_acc_lo(cfg->w[1]) != zx || (int32_t)dl_acc_hi(cfg->w[1]) != zb ||
      (int32_t)dl_acc_lo(cfg->w[2]) != q->o.zp || (int32_t)dl_acc_hi(cfg->w[2]) != q->o.lo ||
      (int32_t)dl_acc_lo(cfg->w[3]) != q->o.hi)
    return dl_error_set(e, "layer %d: its cfg does not configure step %d as the model does", li, l->step);
  for (int64_t i = l->icmd + 1; i < l->icmd + l->ncmd; i++)
    if (dl_acc_op(&p->insn[i]) == DL_ACC_CFG) return dl_error_set(e, "layer %d: a second cfg inside the layer", li);
  if (l->kind != DL_ACC_L_CONV && l->kind != DL_ACC_L_MATMUL) return true;
  double wmax = 0, bmax = 0, xmax = (double)((int64_t)1 << (8 * q->xes)) + 1;
  const DlAccGrid *g = &s->grid[li];
  int64_t stored = l->wformat == DL_ACC_W_BLOCKS ? (g->n - l->zblocks) * g->bn * g->bk : l->N * l->K; /* at most */
  int64_t skip = l->wformat == DL_ACC_W_BLOCKS ? dl_acc_bitmap_bytes(g) : 0, len = l->wbytes - skip;
  const unsigned char *wd = p->wseg + l->woff + skip;
  for (int64_t i = 0; i < stored && (i + 1) * l->wbits <= 8 * len; i++) { /* blocks: every stored weight, padding too */
    double v = (double)dl_acc_weight(l, wd, i);
    wmax = v > wmax ? v : -v > wmax ? -v : wmax;
  }
  for (int64_t o = l->ooff; o < l->ooff + l->noutliers; o++) {
    double v = (double)p->out[o].v;
    wmax = v > wmax ? v : -v > wmax ? -v : wmax;
  }
  const int64_t *par = p->par + l->poff;
  for (int64_t n = 0; n < l->N; n++) bmax = fabs((double)par[n]) > bmax ? fabs((double)par[n]) : bmax;
  double bound = (double)l->K * xmax * wmax + bmax;
  s->narrow[li] = (double)l->K * xmax * wmax < 2147483647.0;
  for (int64_t n = 0; n < l->N; n++)
    if (bound * (double)par[l->N + n] >= DL_ACC_REQUANT_LIMIT)
      return dl_error_set(e, "layer %d: its weights, biases and multipliers could overflow the requantization", li);
  return true;
}

DlAccSim *dl_acc_sim_create(const DlAccProgram *p, DlPlan *plan, DlError *e) {
  DlAccSim *s = calloc(1, sizeof *s);
  s->p = p, s->plan = plan;
  s->lof = malloc(sizeof(int) * (size_t)(plan->nsteps + 1));
  s->narrow = calloc((size_t)p->nl + 1, sizeof(bool));
  s->grid = calloc((size_t)p->nl + 1, sizeof(DlAccGrid));
  s->boff = calloc((size_t)p->nl + 1, sizeof(int64_t *));
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    if (!l->wbits) continue;
    dl_acc_grid(&p->dev, l, &s->grid[i]);
    int64_t total, zero;
    if (l->wformat == DL_ACC_W_BLOCKS) s->boff[i] = dl_acc_block_offsets(&s->grid[i], l, p->wseg + l->woff, &total, &zero);
  }
  for (int i = 0; i < plan->nsteps; i++) s->lof[i] = -1;
  int prev = -1;
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    DlAccLayer want;
    DlError le = {0};
    if (l->step <= prev || l->step >= plan->nsteps || dl_acc_layer_of_step(plan, l->step, &p->dev, &want, &le) != 1 ||
        want.kind != l->kind || want.M != l->M || want.N != l->N || want.K != l->K) {
      dl_error_clear(&le);
      dl_error_set(e, "layer %d does not match step %d of the embedded model", i, l->step);
      dl_acc_sim_destroy(s);
      return NULL;
    }
    const struct DlQStep *q = plan->steps[l->step].q;
    if ((l->kind == DL_ACC_L_CONV && l->pg != l->N / q->c.win.group) || (l->kind == DL_ACC_L_MATMUL && l->pg != l->N)) {
      dl_error_set(e, "layer %d: %lld channels per group, the model has %lld", i, (long long)l->pg,
                   (long long)(l->kind == DL_ACC_L_CONV ? l->N / q->c.win.group : l->N));
      dl_acc_sim_destroy(s);
      return NULL;
    }
    int64_t np = l->kind == DL_ACC_L_CONV || l->kind == DL_ACC_L_MATMUL ? l->N : dl_acc_is_binary(l->kind) ? 1 : 0;
    for (int64_t n = 0; n < np; n++) {
      int64_t m0 = p->par[l->poff + (dl_acc_is_binary(l->kind) ? 0 : l->N + n)];
      int64_t sh = p->par[l->poff + (l->kind == DL_ACC_L_ADD ? 2 : l->kind == DL_ACC_L_MUL ? 1 : 2 * l->N + n)];
      int64_t mb = l->kind == DL_ACC_L_ADD ? p->par[l->poff + 1] : 0;
      if (m0 < 0 || m0 >= (int64_t)1 << 31 || sh < 0 || sh > 62 || mb <= -((int64_t)1 << 31) || mb >= (int64_t)1 << 31) {
        dl_error_set(e, "layer %d: requantization parameters out of range", i);
        dl_acc_sim_destroy(s);
        return NULL;
      }
    }
    if (!check_layer(s, i, e)) {
      dl_acc_sim_destroy(s);
      return NULL;
    }
    if (l->kind == DL_ACC_L_LUT && l->poff + q->lut_n > p->npar) {
      dl_error_set(e, "layer %d: the lookup table runs past the parameters", i);
      dl_acc_sim_destroy(s);
      return NULL;
    }
    s->lof[l->step] = i;
    prev = l->step;
  }
  if (!alloc_buffers(s, e)) {
    dl_acc_sim_destroy(s);
    return NULL;
  }
  s->ls = calloc((size_t)p->nl + 1, sizeof(Stat));
  s->hs = calloc((size_t)plan->nsteps + 1, sizeof(Stat));
  s->xs = calloc((size_t)(p->nl + plan->nsteps) * NSTAT + 1, sizeof(DlXSum));
  s->tend = calloc((size_t)p->ninsn + 1, sizeof(double));
  s->ratio = malloc(sizeof(double) * (size_t)(plan->nslots + 1));
  s->sraw = calloc(2 * ((size_t)plan->nslots + 1), sizeof(double)); /* and scomp: one block (dl_acc_sim_last) */
  s->scomp = s->sraw + plan->nslots + 1;
  s->zp = calloc((size_t)plan->nslots + 1, sizeof(dlz_params));
  s->zok = calloc((size_t)plan->nslots + 1, sizeof(bool));
  s->codec_bpc = 64;
  if (!compress_setup(s, -1, 256, e)) {
    dl_acc_sim_destroy(s);
    return NULL;
  }
  dl_plan_set_executor(plan, acc_step_exec, s);
  return s;
}

void dl_acc_sim_destroy(DlAccSim *s) {
  if (!s) return;
  if (s->plan) dl_plan_set_executor(s->plan, NULL, NULL);
  for (int h = 0; h < 2; h++) free(s->ib[h]), free(s->ab[h]), free(s->ob[h]);
  for (int i = 0; s->boff && i < s->p->nl; i++) free(s->boff[i]);
  free(s->boff), free(s->grid);
  free(s->wdec[0]), free(s->wdec[1]), free(s->narrow), free(s->ratio), free(s->sraw), free(s->zbuf), free(s->tbuf), free(s->zp),
      free(s->zok),
      free(s->lof), free(s->ls), free(s->hs), free(s->xs), free(s->tend);
  free(s);
}

/* --- instruction semantics -------------------------------------------------- */

/* The tile's first outlier: the list is sorted by (n, k). */
static int64_t first_outlier(const DlAccOutlier *o, int64_t n, uint32_t row) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (o[mid].n < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* LOAD_X of a window layer (conv: implicit im2col; max pool: the taps), with
 * the divisions done once per row and once per column. */
static void load_window(DlAccSim *s, const DlStep *step, const DlAccLayer *l, int64_t a0, int64_t a1, int64_t c0,
                        int64_t c1, int64_t n0, int32_t pad, int32_t *ib) {
  const struct DlQStep *q = step->q;
  const dlrt_win *g = &q->c.win;
  const void *x = s->plan->slot[step->in[0]].data;
  int64_t P = g->od[0] * g->od[1] * g->od[2], kvol = g->k[0] * g->k[1] * g->k[2], kt = c1 - c0;
  int64_t cbase = 0, cstep = 0;
  if (l->kind == DL_ACC_L_CONV) cstep = g->c, cbase = n0 / (g->m / g->group) * (g->c / g->group);
  int64_t *kc = malloc(sizeof(int64_t) * 4 * (size_t)kt);
  for (int64_t k = c0; k < c1; k++) {
    int64_t t = k, ci = 0;
    if (l->kind == DL_ACC_L_CONV) ci = cbase + t / kvol, t %= kvol;
    int64_t *K = kc + 4 * (k - c0);
    K[0] = ci, K[1] = t / (g->k[1] * g->k[2]) * g->dil[0], K[2] = t / g->k[2] % g->k[1] * g->dil[1], K[3] = t % g->k[2] * g->dil[2];
  }
  for (int64_t m = a0; m < a1; m++) {
    int64_t plane = m / P, p = m % P;
    int64_t iz0 = p / (g->od[1] * g->od[2]) * g->stride[0] - g->pad[0];
    int64_t iy0 = p / g->od[2] % g->od[1] * g->stride[1] - g->pad[1], ix0 = p % g->od[2] * g->stride[2] - g->pad[2];
    int32_t *row = ib + (m - a0) * kt;
    for (int64_t k = 0; k < kt; k++) {
      const int64_t *K = kc + 4 * k;
      int64_t iz = iz0 + K[1], iy = iy0 + K[2], ix = ix0 + K[3];
      if (iz < 0 || iz >= g->id[0] || iy < 0 || iy >= g->id[1] || ix < 0 || ix >= g->id[2]) {
        row[k] = pad;
        continue;
      }
      int64_t pl = cstep ? plane * cstep + K[0] : plane;
      row[k] = (int32_t)qrt_ld(x, q->xes, ((pl * g->id[0] + iz) * g->id[1] + iy) * g->id[2] + ix);
    }
  }
  free(kc);
}

static double exec_insn(DlAccSim *s, const DlAccLayer *l, const DlAccInsn *in, Stat *st, bool *bad) {
  const DlAccProgram *p = s->p;
  const DlAccDevice *d = &p->dev;
  const DlStep *step = &s->plan->steps[l->step];
  const struct DlQStep *q = step->q;
  unsigned slots = dl_acc_slots(in);
  int64_t a0 = dl_acc_lo(in->w[1]), a1 = dl_acc_hi(in->w[1]), b0 = dl_acc_lo(in->w[2]), b1 = dl_acc_hi(in->w[2]);
  int64_t c0 = dl_acc_lo(in->w[3]), c1 = dl_acc_hi(in->w[3]), mt = a1 - a0, nt = b1 - b0, kt = c1 - c0;
  int hx = slots & 1, hw = slots >> 1 & 1, ha = slots >> 2 & 1;
  switch (dl_acc_op(in)) {
  case DL_ACC_CFG:
    s->zx = (int32_t)dl_acc_lo(in->w[1]), s->zb = (int32_t)dl_acc_hi(in->w[1]);
    s->zo = (int32_t)dl_acc_lo(in->w[2]), s->lo = (int32_t)dl_acc_hi(in->w[2]), s->hi = (int32_t)dl_acc_lo(in->w[3]);
    s->xbits = (int)(dl_acc_hi(in->w[3]) & 0xFF), s->wbits = (int)(dl_acc_hi(in->w[3]) >> 8 & 0xFF);
    return 1 / d->ghz;
  case DL_ACC_LOAD_X: {
    int32_t *ib = s->ib[hx];
    int64_t pad = l->kind == DL_ACC_L_MAXPOOL ? -((int64_t)1 << (8 * q->xes - 1)) : s->zx;
    if (s->timing_only) {
    } else if (l->kind == DL_ACC_L_CONV || l->kind == DL_ACC_L_MAXPOOL) { /* windows: the gather, row by row */
      load_window(s, step, l, a0, a1, c0, c1, b0, (int32_t)pad, ib);
    } else { /* matmul: row m, column k; add / sub / mul: element m of operand k (broadcast); lookup table: element m */
      for (int64_t m = a0; m < a1; m++)
        for (int64_t k = c0; k < c1; k++) {
          int op = dl_acc_is_binary(l->kind) ? (int)k : 0;
          int64_t idx = l->kind == DL_ACC_L_MATMUL ? m * l->K + k : op || dl_acc_is_binary(l->kind) ? dl_acc_bin_index(&q->c, op, m) : m;
          if (l->kind == DL_ACC_L_GATHER) op = dl_acc_gather_source(step, m, &idx);
          ib[(m - a0) * kt + (k - c0)] = (int32_t)qrt_ld(s->plan->slot[step->in[op]].data, op && l->kind != DL_ACC_L_GATHER ? q->wes : q->xes, idx);
        }
    }
    double bytes = (double)dl_acc_x_bytes(step, l, a0, a1, c0, c1, b0), codec = 0;
    bool zin = s->zok[step->in[0]] || (dl_acc_is_binary(l->kind) && s->zok[step->in[1]]);
    if (zin) { /* compressed in DRAM: fewer bytes, through the decompressor */
      double raw = bytes;
      bytes *= dl_acc_is_binary(l->kind) ? (slot_ratio(s, step->in[0]) + slot_ratio(s, step->in[1])) / 2
                                       : slot_ratio(s, step->in[0]);
      codec = raw / s->codec_bpc / d->ghz;
      st->nj += raw * d->e_alu * 1e-3;
    }
    st->dram += bytes, st->act_dram += bytes;
    st->nj += bytes * d->e_dram * 1e-3 + (double)(mt * kt * q->xes) * d->e_buf * 1e-3;
    double dram = d->dram_ns + bytes / d->dram_gbs;
    return dram > codec ? dram : codec;
  }
  case DL_ACC_LOAD_W: {
    int32_t *wd = s->wdec[hw]; /* the weight buffer half, as the PE array's unpacker delivers it */
    double bytes;
    if (l->wformat == DL_ACC_W_BLOCKS) { /* the tile's bitmap bits and nonzero blocks; zero blocks stay zero */
      const DlAccGrid *g = &s->grid[l - p->l];
      const int64_t *off = s->boff[l - p->l];
      bytes = (double)dl_acc_tile_blocks(g, l, off, b0, b1, c0, c1, &s->wnnz[hw], &s->welems[hw]);
      if (!s->timing_only) {
        memset(wd, 0, sizeof(int32_t) * (size_t)(nt * kt));
        const unsigned char *data = p->wseg + l->woff + dl_acc_bitmap_bytes(g);
        int64_t grp = b0 / l->pg, r0 = grp * g->jb + (b0 - grp * l->pg) / g->bn;
        for (int64_t r = r0; r < g->rows; r++)
          for (int64_t c = c0 / g->bk; c < g->kb && c * g->bk < c1; c++) {
            int64_t n0, n1, k0, k1, i = 0;
            dl_acc_block_range(g, l, r, c, &n0, &n1, &k0, &k1);
            if (n0 >= b1) goto loaded;
            if (off[r * g->kb + c] < 0) continue;
            qrt_wts src = {data + off[r * g->kb + c], l->wbits, 0};
            for (int64_t n = n0; n < n1; n++)
              for (int64_t k = k0; k < k1; k++, i++) wd[(n - b0) * kt + (k - c0)] = qrt_wget(src, i);
          }
      loaded:;
      }
    } else {
      const unsigned char *src = p->wseg + l->woff;
      for (int64_t n = b0; n < b1 && !s->timing_only; n++)
        for (int64_t k = c0; k < c1; k++) wd[(n - b0) * kt + (k - c0)] = dl_acc_weight(l, src, n * l->K + k);
      s->wnnz[hw] = dl_acc_dense_blocks(d, l, nt, kt), s->welems[hw] = nt * kt;
      bytes = (double)(nt * ((kt * l->wbits + 7) / 8));
      if (c0 == 0) bytes += (double)(nt * dl_acc_codebook_bytes(l)); /* the channels' codebooks, with their first k tile */
    }
    /* what the PE array reads of the weight buffer */
    s->wtbytes[hw] = l->wformat == DL_ACC_W_BLOCKS ? (int64_t)bytes : (nt * kt * l->wbits + 7) / 8;
    const DlAccOutlier *o = p->out + l->ooff;
    int64_t f = first_outlier(o, l->noutliers, (uint32_t)b0), e2 = first_outlier(o, l->noutliers, (uint32_t)b1);
    s->wo[hw] = o + f, s->nwo[hw] = e2 - f; /* the tile's channels; GEMM keeps the columns in range */
    double nout = 0;
    for (int64_t i = f; i < e2; i++) nout += o[i].k >= c0 && o[i].k < c1;
    if (l->noutliers) bytes += nout * (2 + (d->outlier_bits + 7) / 8) + 4.0 * (double)nt; /* the tile's slice of the list */
    st->dram += bytes;
    st->nj += bytes * (d->e_dram + d->e_buf) * 1e-3;
    return d->dram_ns + bytes / d->dram_gbs;
  }
  case DL_ACC_GEMM: {
    const int32_t *x = s->ib[hx], *w = s->wdec[hw];
    int64_t *acc = s->ab[ha];
    bool accumulate = slots & 8, narrow = s->narrow[l - p->l]; /* every partial sum fits int32 */
    int32_t zx = (int32_t)s->zx;
    for (int64_t m = 0; m < mt && !s->timing_only; m++) {
      const int32_t *xr = x + m * kt;
      for (int64_t n = 0; n < nt; n++) {
        const int32_t *wr = w + n * kt;
        int64_t sum = accumulate ? acc[m * nt + n] : 0;
        if (q->ax.table) { /* the PE's multiplier is the layer's approximate one (dlc.approx) */
          for (int64_t k = 0; k < kt; k++) sum += pe_amul(q->ax.table, xr[k] - zx, wr[k]);
        } else if (narrow) {
          int32_t s32 = 0;
          for (int64_t k = 0; k < kt; k++) s32 += (xr[k] - zx) * wr[k];
          sum += s32;
        } else {
          for (int64_t k = 0; k < kt; k++) sum += (int64_t)(xr[k] - zx) * wr[k];
        }
        acc[m * nt + n] = sum;
      }
    }
    int64_t nout = 0;
    for (int64_t i = 0; i < s->nwo[hw]; i++) {
      const DlAccOutlier *o = &s->wo[hw][i];
      if (o->k < c0 || o->k >= c1) continue;
      nout++;
      for (int64_t m = 0; m < mt && !s->timing_only; m++) acc[m * nt + (o->n - b0)] += (int64_t)(x[m * kt + (o->k - c0)] - s->zx) * o->v;
    }
    /* the PE array passes over the tile's nonzero blocks only (all of them in the dense format) */
    double cyc = (double)dl_acc_gemm_cycles(d, l, q->xes, mt, s->wnnz[hw]);
    st->skipped_cycles += (double)dl_acc_gemm_cycles(d, l, q->xes, mt, dl_acc_dense_blocks(d, l, nt, kt)) - cyc;
    double ocyc = d->outlier_lanes ? (double)((nout * mt + d->outlier_lanes - 1) / d->outlier_lanes) : 0;
    double macs = (double)(mt * s->welems[hw]);
    st->macs += macs + (double)(nout * mt);
    st->gemm_cycles += cyc > ocyc ? cyc : ocyc;
    st->peak_cycles += macs / ((double)d->pe_rows * (double)d->pe_cols * (double)d->pe_k);
    double bits = (double)((l->wformat == DL_ACC_W_CODEBOOK ? 8 : l->wbits) * s->xbits) / 64; /* decoded: 8-bit products */
    double emul = q->ax.table && q->ax.energy >= 0 ? dl_approx_mac_energy(q->ax.energy) : 1;
    st->nj += (macs * bits * emul + (double)(nout * mt) * (double)(d->outlier_bits * s->xbits) / 64) * d->e_mac * 1e-3 +
              (double)(mt * kt * q->xes + s->wtbytes[hw] + 8 * mt * nt) * d->e_buf * 1e-3;
    return (cyc > ocyc ? cyc : ocyc) / d->ghz;
  }
  case DL_ACC_REQ: {
    const int64_t *acc = s->ab[ha];
    int32_t *o = s->ob[hx];
    const int64_t *par = p->par + l->poff;
    for (int64_t m = 0; m < mt && !s->timing_only; m++)
      for (int64_t n = 0; n < nt; n++) {
        int64_t ch = b0 + n;
        qrt_mult mu = {par[l->N + ch], (int)par[2 * l->N + ch]};
        int64_t v = s->zo + qrt_requant(acc[m * nt + n] + par[ch], mu);
        v = v < s->lo ? s->lo : v, v = v > s->hi ? s->hi : v; /* max then min: hi when lo > hi, as qrt */
        o[m * nt + n] = (int32_t)v;
      }
    st->nj += (double)(mt * nt) * (d->e_alu + (8.0 + q->o.es) * d->e_buf) * 1e-3;
    return (double)((mt * nt + d->alu_lanes - 1) / d->alu_lanes) / d->ghz;
  }
  case DL_ACC_ALU: {
    const int32_t *x = s->ib[hx];
    int32_t *o = s->ob[ha];
    const int64_t *par = p->par + l->poff;
    for (int64_t m = 0; m < mt && !s->timing_only; m++) {
      const int32_t *xr = x + m * kt;
      int64_t v;
      if (l->kind == DL_ACC_L_ADD) {
        v = s->zo + qrt_requant((xr[0] - s->zx) * par[0] + (xr[1] - s->zb) * par[1], (qrt_mult){1, (int)par[2]});
        v = v < s->lo ? s->lo : v, v = v > s->hi ? s->hi : v; /* max then min: hi when lo > hi, as qrt */
      } else if (l->kind == DL_ACC_L_MUL) {
        v = s->zo + qrt_requant((int64_t)(xr[0] - s->zx) * (xr[1] - s->zb), (qrt_mult){par[0], (int)par[1]});
        v = v < s->lo ? s->lo : v, v = v > s->hi ? s->hi : v;
      } else if (l->kind == DL_ACC_L_GATHER) {
        v = xr[0];
      } else if (l->kind == DL_ACC_L_MAXPOOL) {
        v = xr[0];
        for (int64_t k = 1; k < kt; k++) v = xr[k] > v ? xr[k] : v;
      } else {
        int64_t i = xr[0] - s->zx;
        if (i < 0 || i >= q->lut_n) {
          *bad = true;
          return 0;
        }
        v = par[i];
      }
      o[m] = (int32_t)v;
    }
    st->nj += (double)(mt * kt) * (d->e_alu + d->e_buf * q->xes) * 1e-3;
    return (double)((mt * kt + d->alu_lanes - 1) / d->alu_lanes) / d->ghz;
  }
  case DL_ACC_STORE: {
    const int32_t *o = s->ob[hx];
    DlTensor *y = &s->plan->slot[step->out];
    const dlrt_win *g = &q->c.win;
    int64_t P = g->od[0] * g->od[1] * g->od[2];
    for (int64_t m = a0; m < a1 && !s->timing_only; m++)
      for (int64_t n = b0; n < b1; n++) {
        int64_t idx = l->kind == DL_ACC_L_CONV ? (m / P * l->N + n) * P + m % P : l->kind == DL_ACC_L_MATMUL ? m * l->N + n : m;
        int32_t v = o[(m - a0) * nt + (n - b0)];
        /* K-lossy (dlc.compress k > 0): the compressor rounds what it stores, as the IR says */
        qrt_st(y->data, q->o.es, idx, q->lossy.k > 0 ? (int32_t)dlz_lossy(&q->lossy, v) : v);
      }
    double bytes = (double)(mt * nt * q->o.es), codec = 0;
    if (s->zok[step->out]) { /* the tile goes through the compressor as one stream: each channel's run in turn */
      double raw = bytes, z;
      const char *yd = y->data;
      int es = q->o.es;
      int64_t n_el = mt * nt, at = 0;
      if ((size_t)(n_el * es) > s->tcap) s->tcap = (size_t)(n_el * es), s->tbuf = realloc(s->tbuf, s->tcap);
      if (!s->timing_only) {
        if (l->kind == DL_ACC_L_CONV) /* channel-major: a run of the tile's positions per channel */
          for (int64_t n = b0; n < b1; n++)
            for (int64_t m = a0; m < a1; m++, at++)
              memcpy(s->tbuf + at * es, yd + ((m / P * l->N + n) * P + m % P) * es, (size_t)es);
        else if (l->kind == DL_ACC_L_MATMUL) /* a row's columns after another */
          for (int64_t m = a0; m < a1; m++, at += nt) memcpy(s->tbuf + at * es, yd + (m * l->N + b0) * es, (size_t)(nt * es));
        else /* ALU layers: one run */
          memcpy(s->tbuf, yd + a0 * es, (size_t)(mt * es));
      }
      z = zbytes(s, step->out, s->tbuf, es, n_el);
      bytes = z < raw ? z : raw;
      s->sraw[step->out] += raw, s->scomp[step->out] += bytes;
      s->ratio[step->out] = s->scomp[step->out] / s->sraw[step->out];
      codec = raw / s->codec_bpc / d->ghz;
      st->nj += raw * d->e_alu * 1e-3;
    }
    st->dram += bytes, st->act_dram += bytes;
    st->nj += bytes * (d->e_dram + d->e_buf) * 1e-3;
    double dram = d->dram_ns + bytes / d->dram_gbs;
    return dram > codec ? dram : codec;
  }
  default: return 0;
  }
}

static int engine_of(DlAccOp op) {
  return op == DL_ACC_LOAD_X || op == DL_ACC_LOAD_W ? 0 : op == DL_ACC_STORE ? 2 : 1;
}

/* Tracks: 0 the host, 1 + the engine (engine_of) for the device. */
DlTrace *dl_acc_sim_trace(DlAccSim *s) {
  char name[128];
  snprintf(name, sizeof name, "acc (%s)", s->p->dev.name);
  s->trace = dl_trace_create(name);
  static const char *const tracks[] = {"host", "load DMA (LOAD_X, LOAD_W)", "PE array and ALU (GEMM, REQ, ALU)", "store DMA (STORE)"};
  for (int i = 0; i < 4; i++) dl_trace_track(s->trace, i, tracks[i]);
  return s->trace;
}

static void trace_insn(DlAccSim *s, const DlAccLayer *l, DlAccOp op, int en, double t0, double dur) {
  char args[64];
  snprintf(args, sizeof args, "\"op\": \"%s\", \"step\": %d", dl_acc_op_name(op), l->step);
  dl_trace_event(s->trace, 1 + en, s->plan->steps[l->step].where, s->now_ns + t0, dur, args);
}

static bool run_layer(DlAccSim *s, int li, DlError *e) {
  const DlAccLayer *l = &s->p->l[li];
  Stat *st = &s->ls[li];
  double eng[3] = {0, 0, 0}, busy[3] = {0, 0, 0}, end = 0;
  bool bad = false;
  for (int64_t i = l->icmd; i < l->icmd + l->ncmd; i++) {
    const DlAccInsn *in = &s->p->insn[i];
    DlAccOp op = dl_acc_op(in);
    int en = engine_of(op);
    double t0 = eng[en];
    for (int k = 0; k < 2; k++) {
      unsigned dep = dl_acc_dep(in, k);
      if (dep && i - (int64_t)dep >= l->icmd && s->tend[i - dep] > t0) t0 = s->tend[i - dep];
    }
    if (op == DL_ACC_SYNC || op == DL_ACC_FINISH)
      for (int k = 0; k < 3; k++) t0 = eng[k] > t0 ? eng[k] : t0;
    double dur = exec_insn(s, l, in, st, &bad);
    if (bad) return dl_error_set(e, "layer %d (%s), instruction %lld: lookup table index out of range", li,
                                 s->plan->steps[l->step].where, (long long)i);
    s->tend[i] = t0 + dur;
    if (s->trace) trace_insn(s, l, op, en, t0, dur);
    eng[en] = s->tend[i];
    busy[en] += dur;
    if (op == DL_ACC_SYNC || op == DL_ACC_FINISH) eng[0] = eng[1] = eng[2] = s->tend[i];
    if (s->tend[i] > end) end = s->tend[i];
  }
  st->ns += end;
  st->busy_ns += busy[1];
  st->runs++;
  s->now_ns += end;
  return true;
}

static void host_cost(DlAccSim *s, int step) {
  const DlStep *st = &s->plan->steps[step];
  const DlAccDevice *d = &s->p->dev;
  Stat *h = &s->hs[step];
  h->runs++;
  if (st->q ? st->q->kind == DL_Q_ALIAS : st->call.kind == DL_CALL_ALIAS) return;
  const DlTensor *y = &s->plan->slot[st->out];
  double ops = (double)dl_shape_numel(&y->shape), bytes = (double)dl_tensor_bytes(y);
  for (int i = 0; i < st->nin; i++) bytes += (double)dl_tensor_bytes(&s->plan->slot[st->in[i]]);
  h->dram += bytes, h->act_dram += bytes;
  double ns = ops * d->host_ns_op + bytes / d->dram_gbs;
  h->ns += ns;
  dl_trace_host_step(s->trace, st->where, step, s->now_ns, ns);
  s->now_ns += ns;
  h->nj += ops * d->host_pj_op * 1e-3 + bytes * d->e_dram * 1e-3;
}

/* Adds this run's figures to the totals (and zeroes them), or, when ls and
 * hs hold the totals, zeroes them. */
static void fold(DlAccSim *s) {
  int n = s->p->nl * NSTAT;
  dl_xsum_fold(s->xs, (double *)s->ls, n, !s->settled);
  dl_xsum_fold(s->xs + n, (double *)s->hs, s->plan->nsteps * NSTAT, !s->settled);
  s->settled = false;
}

/* ls and hs set to the totals of every run so far. */
static void settle(DlAccSim *s) {
  if (s->settled) return;
  fold(s);
  int n = s->p->nl * NSTAT;
  dl_xsum_load(s->xs, (double *)s->ls, n);
  dl_xsum_load(s->xs + n, (double *)s->hs, s->plan->nsteps * NSTAT);
  s->settled = true;
}

DlXSum *dl_acc_sim_sums(DlAccSim *s, int *n) {
  fold(s);
  *n = (s->p->nl + s->plan->nsteps) * NSTAT;
  return s->xs;
}

double *dl_acc_sim_wall(DlAccSim *s) { return &s->sim_s; }

double *dl_acc_sim_last(DlAccSim *s, int *n) {
  *n = 2 * (s->plan->nslots + 1);
  return s->sraw;
}

static int acc_step_exec(void *user, int step, DlError *e) {
  DlAccSim *s = user;
  if (step == 0) fold(s); /* a new run: the last one's figures to the totals */
  if (step == 0 && s->compress) /* a new run: new data, new ratios */
    for (int i = 0; i < s->plan->nslots; i++) s->ratio[i] = -1, s->sraw[i] = s->scomp[i] = 0;
  int li = s->lof[step];
  if (li < 0) {
    host_cost(s, step);
    return 0;
  }
  double t0 = dl_now();
  bool ok = run_layer(s, li, e);
  s->sim_s += dl_now() - t0;
  return ok ? 1 : -1;
}

void dl_acc_sim_timing_only(DlAccSim *s, bool on) { s->timing_only = on; }

void dl_acc_sim_step_cost(DlAccSim *s, int step, double *ns, double *nj, double *dram) {
  settle(s);
  int li = s->lof[step];
  const Stat *x = li >= 0 ? &s->ls[li] : &s->hs[step];
  *ns = x->ns, *nj = x->nj, *dram = x->dram;
}

void dl_acc_sim_totals(DlAccSim *s, double *ns, double *nj, double *dram, double *sim_s) {
  settle(s);
  double a = 0, b = 0, c = 0;
  for (int i = 0; i < s->p->nl; i++) a += s->ls[i].ns, b += s->ls[i].nj, c += s->ls[i].dram;
  for (int i = 0; i < s->plan->nsteps; i++) a += s->hs[i].ns, b += s->hs[i].nj, c += s->hs[i].dram;
  *ns = a, *nj = b, *dram = c, *sim_s = s->sim_s;
}

bool dl_acc_sim_report(DlAccSim *s, FILE *f, int64_t samples) {
  settle(s);
  double ns, nj, dram, sim_s, per = samples > 0 ? (double)samples : 1;
  dl_acc_sim_totals(s, &ns, &nj, &dram, &sim_s);
  double act = 0;
  for (int i = 0; i < s->p->nl; i++) act += s->ls[i].act_dram;
  for (int i = 0; i < s->plan->nsteps; i++) act += s->hs[i].act_dram;
  const DlAccDevice *d = &s->p->dev;
  fprintf(f, "{\n  \"schema\": \"%s\",\n  \"device\": ", DL_SCHEMA_ACC_REPORT);
  dl_json_write_str(f, d->name);
  fprintf(f, ",\n  \"samples\": %lld,\n  \"per_sample\": {\"ns\": %.1f, \"nj\": %.2f, \"dram_bytes\": %.1f, "
             "\"activation_dram_bytes\": %.1f},\n",
          (long long)samples, ns / per, nj / per, dram / per, act / per);
  /* no wall-clock time here (the file is deterministic): dlc-run's summary line has it */
  fprintf(f, "  \"total\": {\"ns\": %.1f, \"nj\": %.3f, \"dram_bytes\": %.1f},\n  \"layers\": [", ns, nj, dram);
  bool first = true;
  for (int i = 0; i < s->plan->nsteps; i++) {
    int li = s->lof[i];
    const Stat *x = li >= 0 ? &s->ls[li] : &s->hs[i];
    if (li < 0 && x->ns == 0) continue;
    fprintf(f, "%s\n    {\"step\": %d, \"node\": ", first ? "" : ",", i);
    dl_json_write_str(f, s->plan->steps[i].where);
    if (li >= 0) {
      const DlAccLayer *l = &s->p->l[li];
      double runs = x->runs ? (double)x->runs : 1;
      fprintf(f, ", \"on\": \"acc\", \"kind\": \"%s\", \"M\": %lld, \"N\": %lld, \"K\": %lld, \"tile\": [%lld, %lld, %lld], "
                 "\"weight_bits\": %d, \"outliers\": %lld, \"weight_bytes\": %lld, \"int8_weight_bytes\": %lld, "
                 "\"pe_utilization\": %.3f, \"dram_bytes\": %.1f, \"dram_lower_bound\": %lld",
              dl_acc_layer_kind_name(l->kind), (long long)l->M, (long long)l->N, (long long)l->K, (long long)l->mt, (long long)l->nt,
              (long long)l->kt, l->wbits, (long long)l->noutliers, (long long)dl_acc_weight_bytes(&s->p->dev, l),
              (long long)(l->wbits ? l->N * l->K : 0),
              x->gemm_cycles > 0 ? x->peak_cycles / x->gemm_cycles : 0.0, x->dram / runs, (long long)l->dram_lb);
      if (l->wbits)
        fprintf(f, ", \"weight_format\": \"%s\", \"weight_blocks\": %lld, \"zero_blocks\": %lld, \"gemm_cycles\": %.3f, "
                   "\"skipped_cycles\": %.3f",
                l->wformat == DL_ACC_W_BLOCKS ? "blocks" : l->wformat == DL_ACC_W_CODEBOOK ? "codebook" : "dense", (long long)s->grid[li].n, (long long)l->zblocks,
                x->gemm_cycles / per, x->skipped_cycles / per);
    } else {
      fprintf(f, ", \"on\": \"host\"");
      dl_host_step_note(f, &s->plan->steps[i], "acc");
    }
    int o = s->plan->steps[i].out;
    if (s->zok[o]) /* its result kept compressed in DRAM: stored / compressed bytes */
      fprintf(f, ", \"out_compressed\": {\"k\": %d, \"ratio\": %.4f}", s->zp[o].k,
              s->scomp[o] > 0 ? s->sraw[o] / s->scomp[o] : 1.0);
    fprintf(f, ", \"dram_bytes_per_sample\": %.1f, \"ns\": %.1f, \"nj\": %.3f}", x->dram / per, x->ns / per, x->nj / per);
    first = false;
  }
  fprintf(f, "\n  ]\n}\n");
  return !ferror(f);
}
