/* Lowering a quantized plan to PIM kernels.
 *
 * Conv, gemm / matmul with constant weights, add / sub and max pooling run in
 * the memory; everything else is a host step. A MAC kernel computes, for each
 * output channel c and every lane (output position x batch) in parallel:
 *
 *   acc = sum_t x'_t * w_ct + c0          x' = x - qmin_x (offset binary, unsigned)
 *   y   = clamp(zp + rshift_round(acc * m0, sh), lo, hi)
 *
 * Weights are compile-time constants, so a product is shift-and-add over the
 * canonical signed digits of w: positive digits add x' << j into an
 * accumulator P, negative ones into N, and zero weights cost nothing. Then
 * acc * m0 + k is (P, N) times m0's digits plus a constant, one subtraction
 * gives D = acc * m0 + k, and its bits from sh up are the shifted result;
 * the clamp is a comparison and a select per output bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"
#include "dlc/quant.h"
#include "dlc/plan.h"
#include "../target_util.h"
#include "pim_internal.h"
#include "dlc/sparse.h"

typedef unsigned __int128 u128;

static int bits_of(u128 v) {
  int n = 0;
  while (v) n++, v >>= 1;
  return n;
}

/* Rows of one subarray, handed out from the bottom. */
typedef struct {
  int next, limit;
} Rows;

static int *rows_take(Rows *r, int n, int *buf) {
  for (int i = 0; i < n; i++) buf[i] = r->next + i;
  r->next += n;
  return buf;
}

/* Everything a MAC kernel needs about its step. */
typedef struct {
  const struct DlQStep *q;
  int64_t nch, ntaps;
  int64_t *w;        /* [nch][ntaps] */
  __int128 *c0;      /* per channel constant term */
  qrt_mult *mult;    /* per channel */
  int64_t maxx;      /* largest x' */
} Mac;

static int64_t range_bits(int64_t lo, int64_t hi) { return bits_of((u128)(hi - lo)); }

/* The output stage shared by MAC kernels, for channel c whose P and N
 * accumulators (widths wp, wn, bounds bp, bn) are complete. */
static bool requant_clamp(DlPimProg *g, const DlPimKernel *k, const Mac *mac, int64_t c, const int *P, int wp, u128 bp,
                          const int *N, int wn, u128 bn, Rows rows, int64_t *store_row, DlError *e) {
  int R = g->rows, buf[4][160];
  qrt_mult m = mac->mult[c];
  int sh = m.shift > 0 ? m.shift : 0;
  int64_t lo = k->out_off, zp = mac->q->o.zp, hi = mac->q->o.hi, H = hi - lo;
  int nb = k->out_bits;
  const int *Pm = P, *Nm = N;
  int wpm = wp, wnm = wn;
  u128 bpm = bp, bnm = bn;
  /* the constant c0 * m0 + 2^(sh-1) + (zp - lo) * 2^sh, added to P (or N when negative) */
  __int128 kc = mac->c0[c] * m.m0 + (sh ? (__int128)1 << (sh - 1) : 0) + ((__int128)(zp - lo) << sh);
  u128 mag = kc > 0 ? (u128)kc : (u128)-kc;
  if (mag >> 63)
    return dl_error_set(e, "pim: the requantization constant of channel %lld needs %d bits, beyond the 63 its row adder takes",
                        (long long)c, bits_of(mag));
  if (m.m0 != 1) { /* (P, N) *= m0: P' = sum_{d>0} P<<j + sum_{d<0} N<<j, and the other way round */
    int d[64], pos[64], nd = dl_pim_csd(m.m0, d, pos);
    u128 bp2 = 0, bn2 = 0;
    for (int i = 0; i < nd; i++) {
      bp2 += (d[i] > 0 ? bp : bn) << pos[i];
      bn2 += (d[i] > 0 ? bn : bp) << pos[i];
    }
    int w2p = bits_of(bp2 + (kc > 0 ? mag : 0)), w2n = bits_of(bn2 + (kc < 0 ? mag : 0));
    if (w2p > 150 || w2n > 150)
      return dl_error_set(e, "pim: channel %lld times its multiplier needs %d-bit rows, beyond 150", (long long)c,
                          w2p > w2n ? w2p : w2n);
    int *P2 = rows_take(&rows, w2p, buf[0]), *N2 = rows_take(&rows, w2n, buf[1]);
    int cwp = 0, cwn = 0;
    u128 cbp = 0, cbn = 0;
    for (int i = 0; i < nd; i++) {
      const int *srcp = d[i] > 0 ? P : N, *srcn = d[i] > 0 ? N : P;
      int swp = d[i] > 0 ? wp : wn, swn = d[i] > 0 ? wn : wp;
      u128 sbp = d[i] > 0 ? bp : bn, sbn = d[i] > 0 ? bn : bp;
      if (sbp) {
        cbp += sbp << pos[i];
        int nw = bits_of(cbp);
        dl_pim_add_shifted(g, P2, cwp, nw, srcp, swp, pos[i]);
        cwp = nw;
      }
      if (sbn) {
        cbn += sbn << pos[i];
        int nw = bits_of(cbn);
        dl_pim_add_shifted(g, N2, cwn, nw, srcn, swn, pos[i]);
        cwn = nw;
      }
    }
    Pm = P2, Nm = N2, wpm = cwp, wnm = cwn, bpm = cbp, bnm = cbn;
  }
  if (kc) {
    int *T = kc > 0 ? (int *)Pm : (int *)Nm;
    int tw = kc > 0 ? wpm : wnm;
    u128 tb = (kc > 0 ? bpm : bnm) + mag;
    int nw = bits_of(tb);
    if (m.m0 == 1) { /* the channel's own rows cannot grow: add into fresh ones */
      int *F = rows_take(&rows, nw, buf[2]);
      for (int i = 0; i < tw; i++) dl_pim_aap(g, T[i], F[i], -1);
      T = F;
    }
    dl_pim_add_const(g, T, tw, nw, (uint64_t)mag);
    if (kc > 0) Pm = T, wpm = nw, bpm = tb;
    else Nm = T, wnm = nw, bnm = tb;
  }
  /* D = P - N, signed, wide enough for the shift and the clamp's sign bit */
  int wd = (wpm > wnm ? wpm : wnm) + 1;
  if (wd < sh + nb + 2) wd = sh + nb + 2;
  if (wd > 150) return dl_error_set(e, "pim: channel %lld needs a %d-bit accumulator, beyond 150 rows", (long long)c, wd);
  int *Dr = rows_take(&rows, wd - sh, buf[3]); /* bit i >= sh of D is row Dr[i - sh] */
  int dcc2 = dl_pim_dcc(R, 2), dcc3 = dl_pim_dcc(R, 3), c1 = dl_pim_c1(R);
  dl_pim_aap(g, c1, g->carry, -1); /* carry in 1: P + ~N + 1 */
  for (int i = 0; i < wd; i++) {
    int a = i < wpm ? Pm[i] : -1, b = i < wnm ? Nm[i] : -1;
    int ta = dl_pim_t(R, 5), tb = dl_pim_t(R, 6), tc = dl_pim_t(R, 7);
    if (i < sh) { /* below the shift only the carry matters */
      dl_pim_aap(g, a, ta, -1);
      if (b >= 0) dl_pim_aap(g, b, dl_pim_dccn(R, 2), -1);
      else dl_pim_aap(g, c1, dcc2, -1);
      dl_pim_ap(g, ta, dcc2, g->carry);
      continue;
    }
    /* full subtractor bit: the adder with ~b in DCC2 and DCC3 */
    int c = g->carry;
    if (b >= 0) dl_pim_aap(g, b, dl_pim_dccn(R, 2), dl_pim_dccn(R, 3));
    else dl_pim_aap(g, c1, dcc2, dcc3);
    dl_pim_aap(g, a, ta, tb);
    dl_pim_aap(g, c, dl_pim_dcc(R, 0), -1);
    dl_pim_ap(g, tb, dcc3, dl_pim_dcc(R, 0));
    dl_pim_aap(g, c, dl_pim_dccn(R, 1), -1);
    dl_pim_ap(g, ta, dcc2, dl_pim_dcc(R, 1));
    dl_pim_ap(g, ta, c, dl_pim_dccn(R, 0));
    dl_pim_aap(g, ta, Dr[i - sh], -1);
    /* the carry is now in tb; move it where the next bit expects it */
    dl_pim_aap(g, tb, tc, -1);
    g->carry = tc;
  }
  g->carry = dl_pim_t(R, 4);
  /* u = D >> sh (wu bits, signed); y = u < 0 ? 0 : u > H ? H : u, nb bits */
  const int *u = Dr;
  int wu = wd - sh, sign = u[wu - 1];
  int t0 = dl_pim_t(R, 0), t1 = dl_pim_t(R, 1), t2 = dl_pim_t(R, 2), t3 = dl_pim_t(R, 3), t8 = dl_pim_t(R, 8),
      t9 = dl_pim_t(R, 9);
  /* over = carry out of u + (2^wu - (H + 1)) */
  u128 kk = ((u128)1 << wu) - (u128)(H + 1);
  dl_pim_aap(g, -1, t9, -1);
  for (int i = 0; i < wu; i++) {
    dl_pim_aap(g, u[i], t0, -1);
    dl_pim_aap(g, (kk >> i & 1) ? c1 : -1, t1, -1);
    dl_pim_ap(g, t0, t1, t9);
  }
  int ov, nn, f;
  int *ex = rows_take(&rows, 3, buf[0]);
  ov = ex[0], nn = ex[1], f = ex[2];
  dl_pim_aap(g, t9, ov, -1);
  dl_pim_aap(g, sign, dl_pim_dccn(R, 0), -1); /* DCC0 = ~neg */
  dl_pim_aap(g, dl_pim_dcc(R, 0), nn, -1);
  dl_pim_aap(g, sign, t0, -1); /* f = ~(neg | over) */
  dl_pim_aap(g, ov, t1, -1);
  dl_pim_aap(g, c1, t2, -1);
  dl_pim_ap(g, t0, t1, t2);
  dl_pim_aap(g, t0, dl_pim_dccn(R, 1), -1);
  dl_pim_aap(g, dl_pim_dcc(R, 1), f, -1);
  for (int i = 0; i < nb; i++) {
    if (H >> i & 1) { /* y = ~neg & (over | u) */
      dl_pim_aap(g, ov, t0, -1);
      dl_pim_aap(g, u[i], t1, -1);
      dl_pim_aap(g, c1, t2, -1);
      dl_pim_ap(g, t0, t1, t2);
      dl_pim_aap(g, nn, t3, -1);
      dl_pim_aap(g, -1, t8, -1);
      dl_pim_ap(g, t0, t3, t8);
    } else { /* y = u & ~(neg | over) */
      dl_pim_aap(g, u[i], t0, -1);
      dl_pim_aap(g, f, t1, -1);
      dl_pim_aap(g, -1, t2, -1);
      dl_pim_ap(g, t0, t1, t2);
    }
    dl_pim_aap(g, t0, u[i], -1);
  }
  if (rows.next > rows.limit) return dl_error_set(e, "pim: %d rows needed, the subarray has %d", rows.next, rows.limit);
  *store_row = u[0];
  return true;
}

/* The taps' bound on x' and widths: the kernel's row budget for a block of g channels. */
static int acc_width(const Mac *mac, int64_t c, bool neg) {
  u128 b = 0;
  for (int64_t t = 0; t < mac->ntaps; t++) {
    int64_t w = mac->w[c * mac->ntaps + t];
    int d[64], pos[64], nd = dl_pim_csd(w, d, pos);
    for (int i = 0; i < nd; i++)
      if ((d[i] < 0) == neg) b += (u128)mac->maxx << pos[i];
  }
  return bits_of(b);
}

/* Emits the kernel with `block` channels per block; wmax / nx: accumulator and tap rows. */
static bool gen_mac_blocks(DlPimProg *g, DlPimKernel *k, const Mac *mac, int64_t block, int wmax, int nx,
                           int data_rows, DlError *e) {
  k->block = block;
  int x[32], P[64][64], N[64][64];
  for (int i = 0; i < nx; i++) x[i] = i;
  for (int64_t b0 = 0; b0 < mac->nch; b0 += block) {
    dl_pim_emit(g, DL_PIM_BLOCK, (uint32_t)(b0 / block), 0, 0);
    int64_t nb = mac->nch - b0 < block ? mac->nch - b0 : block;
    int wp[64] = {0}, wn[64] = {0};
    u128 bp[64] = {0}, bn[64] = {0};
    for (int64_t c = 0; c < nb; c++)
      for (int i = 0; i < wmax; i++) P[c][i] = nx + (int)(2 * c) * wmax + i, N[c][i] = P[c][i] + wmax;
    for (int64_t t = 0; t < mac->ntaps; t++) {
      bool any = false;
      for (int64_t c = 0; c < nb && !any; c++) any = mac->w[(b0 + c) * mac->ntaps + t] != 0;
      if (!any) continue; /* a pruned tap is never loaded */
      int opnd = k->nops == 2 ? (int)t : 0;
      dl_pim_emit(g, DL_PIM_LOAD, (uint32_t)t, 0, (uint32_t)opnd);
      k->nload++;
      for (int64_t c = 0; c < nb; c++) {
        int d[64], pos[64], nd = dl_pim_csd(mac->w[(b0 + c) * mac->ntaps + t], d, pos);
        for (int i = 0; i < nd; i++) {
          int *acc = d[i] > 0 ? P[c] : N[c], *w = d[i] > 0 ? &wp[c] : &wn[c];
          u128 *bd = d[i] > 0 ? &bp[c] : &bn[c];
          *bd += (u128)mac->maxx << pos[i];
          int nw = bits_of(*bd);
          dl_pim_add_shifted(g, acc, *w, nw, x, k->in_bits[opnd], pos[i]);
          *w = nw;
          k->macs += k->lanes;
        }
      }
    }
    for (int64_t c = 0; c < nb; c++) {
      Rows rows = {nx + (int)(2 * nb) * wmax, data_rows};
      int64_t srow = 0;
      if (!requant_clamp(g, k, mac, b0 + c, P[c], wp[c], bp[c], N[c], wn[c], bn[c], rows, &srow, e)) return false;
      dl_pim_emit(g, DL_PIM_STORE, (uint32_t)c, (uint32_t)srow, 0);
      k->nstore++;
    }
  }
  return true;
}

/* Picks the channels per block by the device's cost model, then emits the
 * kernel. A block's channels share each loaded tap (fewer bus bits) but run
 * one after another in one subarray; smaller blocks spread the channels
 * over more banks. The choice minimizes the device's objective (energy x
 * delay by default, or either alone), estimated from the exact command count
 * of the kernel and the device's timing and energy. */
static bool gen_mac(DlPimProg *g, DlPimKernel *k, const Mac *mac, const DlPimDevice *dev, DlError *e) {
  int data_rows = dl_pim_data_rows(dev->rows);
  int nx = k->in_bits[0] > k->in_bits[1] ? k->in_bits[0] : k->in_bits[1];
  int wmax = 1;
  for (int64_t c = 0; c < mac->nch; c++) {
    int a = acc_width(mac, c, false), b = acc_width(mac, c, true);
    if (a > wmax) wmax = a;
    if (b > wmax) wmax = b;
  }
  if (wmax > 64) return dl_error_set(e, "pim: %d-bit accumulators, beyond the 64 bits of a row sum", wmax);
  /* the output stage needs about 3 x (acc + 32) rows; the rest holds the block's accumulators */
  int stage = 3 * (wmax + 34) + 8;
  int64_t maxb = (data_rows - nx - stage) / (2 * wmax);
  if (maxb < 1) return dl_error_set(e, "pim: %d-bit accumulators do not fit a %d-row subarray", wmax, data_rows);
  if (maxb > 64) maxb = 64;
  int64_t groups = mac->q->kind == DL_Q_CONV ? mac->q->c.win.group : 1, per_group = mac->nch / groups;
  if (maxb > per_group) maxb = per_group; /* a block's channels share their input taps */
  /* one channel per block gives the exact compute commands, which do not depend on the block */
  DlPimProg probe;
  DlPimKernel pk = *k;
  dl_pim_prog_init(&probe, g->rows);
  bool ok = gen_mac_blocks(&probe, &pk, mac, 1, wmax, nx, data_rows, e);
  double cmds = (double)(probe.naap + probe.nap), loads_per_ch = (double)pk.nload / (double)mac->nch;
  dl_pim_prog_free(&probe);
  if (!ok) return false;
  double tiles = (double)((k->lanes + dev->cols - 1) / dev->cols), nbank = (double)dev->channels * dev->banks;
  double t_cmd = (dev->t_aap + dev->t_ap) / 2, e_cmd = (dev->e_aap + dev->e_ap) / 2, lanes = (double)k->lanes;
  int64_t best = 1;
  double best_obj = -1, best_tie = 0;
  for (int64_t b = 1; b <= maxb; b++) {
    if (per_group % b) continue;
    double nblocks = (double)((mac->nch + b - 1) / b), pairs = nblocks * tiles;
    double per_bank = ceil(pairs / nbank) * (double)b * cmds / (double)mac->nch * t_cmd;
    /* taps loaded per block: at most every channel's, at least one channel's */
    double loads = nblocks * fmin(loads_per_ch * (double)b, (double)mac->ntaps);
    double bus_bits = (loads * nx + (double)mac->nch * k->out_bits) * lanes;
    double t = per_bank + bus_bits / (8 * dev->bus_gbs * dev->channels);
    double en = cmds * tiles * e_cmd + bus_bits * dev->e_bus_bit * 1e-3;
    /* the objective, then the other quantity to break ties */
    double obj = dev->objective == DL_PIM_OBJ_ENERGY ? en : dev->objective == DL_PIM_OBJ_TIME ? t : t * en;
    double tie = dev->objective == DL_PIM_OBJ_ENERGY ? t : en;
    if (best_obj < 0 || obj < best_obj || (obj == best_obj && tie < best_tie)) best_obj = obj, best_tie = tie, best = b;
  }
  return gen_mac_blocks(g, k, mac, best, wmax, nx, data_rows, e);
}

/* Max pooling: m = x_0; for each further tap, m = m >= x ? m : x. */
static bool gen_max(DlPimProg *g, DlPimKernel *k, int data_rows, DlError *e) {
  int R = g->rows, n = k->in_bits[0];
  if (3 * n + 2 > data_rows) return dl_error_set(e, "pim: pooling rows do not fit");
  int m[32], x[32], G = 2 * n, NG = 2 * n + 1;
  for (int i = 0; i < n; i++) m[i] = i, x[i] = n + i;
  int c1 = dl_pim_c1(R), t[8];
  for (int i = 0; i < 8; i++) t[i] = dl_pim_t(R, i);
  dl_pim_emit(g, DL_PIM_BLOCK, 0, 0, 0);
  dl_pim_emit(g, DL_PIM_LOAD, 0, (uint32_t)m[0], 0);
  k->nload++;
  for (int64_t tap = 1; tap < k->ntaps; tap++) {
    dl_pim_emit(g, DL_PIM_LOAD, (uint32_t)tap, (uint32_t)x[0], 0);
    k->nload++;
    dl_pim_aap(g, c1, t[7], -1); /* ge = carry out of m + ~x + 1 */
    for (int i = 0; i < n; i++) {
      dl_pim_aap(g, m[i], t[0], -1);
      dl_pim_aap(g, x[i], dl_pim_dccn(R, 2), -1);
      dl_pim_ap(g, t[0], dl_pim_dcc(R, 2), t[7]);
    }
    dl_pim_aap(g, t[7], G, dl_pim_dccn(R, 1));
    dl_pim_aap(g, dl_pim_dcc(R, 1), NG, -1);
    for (int i = 0; i < n; i++) { /* m = (ge & m) | (~ge & x) */
      dl_pim_aap(g, G, t[0], -1);
      dl_pim_aap(g, m[i], t[1], -1);
      dl_pim_aap(g, -1, t[2], -1);
      dl_pim_ap(g, t[0], t[1], t[2]);
      dl_pim_aap(g, NG, t[3], -1);
      dl_pim_aap(g, x[i], t[4], -1);
      dl_pim_aap(g, -1, t[5], -1);
      dl_pim_ap(g, t[3], t[4], t[5]);
      dl_pim_aap(g, c1, t[6], -1);
      dl_pim_ap(g, t[0], t[3], t[6]);
      dl_pim_aap(g, t[0], m[i], -1);
    }
  }
  dl_pim_emit(g, DL_PIM_STORE, 0, (uint32_t)m[0], 0);
  k->nstore++;
  return true;
}

static MlirValue operand(const DlStep *st, int i) { return mlirOperationGetOperand(mlirOpResultGetOwner(st->val), i); }

static bool qparams(MlirValue v, DlQParams *q) { return dl_qparams_of_type(mlirValueGetType(v), q); }

/* Fills k and mac for a step PIM can run; false (no error) when it cannot. */
static bool plan_kernel(DlPlan *plan, int s, DlPimKernel *k, Mac *mac) {
  const DlStep *st = &plan->steps[s];
  const struct DlQStep *q = st->q;
  if (!q || mlirValueIsNull(st->val)) return false;
  memset(k, 0, sizeof *k);
  memset(mac, 0, sizeof *mac);
  k->step = s;
  mac->q = q;
  DlQParams qx, qb;
  if (!qparams(operand(st, 0), &qx)) return false;
  k->nops = 1;
  k->in_bits[0] = (int)range_bits(qx.qmin, qx.qmax);
  k->in_off[0] = qx.qmin;
  k->pad = q->zx - qx.qmin;
  int64_t olo = q->o.lo < q->o.hi ? q->o.lo : q->o.hi; /* clamp(v, lo, hi) is hi when lo > hi, as qrt */
  k->out_off = olo;
  k->out_bits = (int)range_bits(olo, q->o.hi);
  if (k->out_bits < 1) k->out_bits = 1; /* a constant output still takes a row */
  if (k->in_bits[0] > 16 || k->out_bits > 16 || k->out_bits < 1) return false;
  mac->maxx = qx.qmax - qx.qmin;
  const DlCall *c = &q->c;
  const DlShape *ys = &plan->slot[st->out].shape;
  if (q->kind == DL_Q_CONV || (q->kind == DL_Q_MATMUL && q->wdata)) {
    int64_t nch, ntaps;
    if (q->kind == DL_Q_CONV) {
      const dlrt_win *g = &c->win;
      nch = g->m, ntaps = g->c / g->group * g->k[0] * g->k[1] * g->k[2];
      k->lanes = g->n * g->od[0] * g->od[1] * g->od[2];
    } else {
      if (!dl_call_matmul_is_flat(c)) return false;
      nch = c->N, ntaps = c->K, k->lanes = c->batches * c->M;
    }
    k->nch = mac->nch = nch, k->ntaps = mac->ntaps = ntaps;
    mac->w = malloc(sizeof(int64_t) * (size_t)(nch * ntaps));
    mac->c0 = calloc((size_t)nch, sizeof(__int128));
    mac->mult = malloc(sizeof(qrt_mult) * (size_t)nch);
    for (int64_t ch = 0; ch < nch; ch++) {
      __int128 sw = 0;
      for (int64_t t = 0; t < ntaps; t++) {
        int64_t w = qrt_wget(q->w, q->kind == DL_Q_CONV ? ch * ntaps + t : t * nch + ch);
        mac->w[ch * ntaps + t] = w, sw += w;
      }
      mac->c0[ch] = (q->bias ? q->bias[ch] : 0) + (__int128)(qx.qmin - q->zx) * sw;
      mac->mult[ch] = q->mult[q->nmult == 1 ? 0 : ch];
    }
    return true;
  }
  if (q->kind == DL_Q_BINARY && (st->k == DL_OP_ADD || st->k == DL_OP_SUB) && qparams(operand(st, 1), &qb)) {
    int64_t n = dl_shape_numel(ys);
    if (!dl_call_binary_is_dense(c)) return false;
    k->nops = 2, k->nch = mac->nch = 1, k->ntaps = mac->ntaps = 2, k->lanes = n;
    k->in_bits[1] = (int)range_bits(qb.qmin, qb.qmax), k->in_off[1] = qb.qmin;
    if (k->in_bits[1] > 16) return false;
    int64_t sgn = st->k == DL_OP_SUB ? -1 : 1;
    mac->maxx = (qx.qmax - qx.qmin) > (qb.qmax - qb.qmin) ? qx.qmax - qx.qmin : qb.qmax - qb.qmin;
    mac->w = malloc(sizeof(int64_t) * 2);
    mac->c0 = calloc(1, sizeof(__int128));
    mac->mult = malloc(sizeof(qrt_mult));
    mac->w[0] = q->mult[0].m0, mac->w[1] = sgn * q->mb.m0;
    /* (a - za) m0a + s (b - zb) m0b = a' m0a + s b' m0b + the rest; the shared shift is the requantization */
    __int128 c0 = (__int128)(qx.qmin - q->zx) * q->mult[0].m0 + (__int128)sgn * (qb.qmin - q->zw) * q->mb.m0;
    mac->c0[0] = c0;
    mac->mult[0] = (qrt_mult){1, q->mult[0].shift};
    return true;
  }
  if (q->kind == DL_Q_POOL && c->sub == 0) {
    const dlrt_win *g = &c->win;
    k->kind = DL_PIM_K_MAX, k->block = 1;
    k->nch = 1, k->ntaps = g->k[0] * g->k[1] * g->k[2];
    k->lanes = g->n * g->c * g->od[0] * g->od[1] * g->od[2];
    k->pad = 0; /* the smallest value: pads never win */
    k->out_off = qx.qmin, k->out_bits = k->in_bits[0];
    return true;
  }
  return false;
}

static void mac_free(Mac *m) {
  free(m->w);
  free(m->c0);
  free(m->mult);
}

bool dl_pim_compile(DlPlan *plan, MlirModule m, const DlPimDevice *dev, bool timing, DlPimProgram *out, DlError *e) {
  memset(out, 0, sizeof *out);
  out->dev = *dev;
  bool ok = false;
  DlPimProg g;
  dl_pim_prog_init(&g, dev->rows);
  g.counted = out->counted = timing;
  out->k = calloc((size_t)plan->nsteps + 1, sizeof(DlPimKernel));
  for (int s = 0; s < plan->nsteps; s++) {
    DlPimKernel k;
    Mac mac;
    if (!plan_kernel(plan, s, &k, &mac)) continue;
    if (plan->steps[s].q->ax.table) { /* the row adders compute exact products */
      mac_free(&mac);
      dl_error_set(e, "%s: the pim target does not implement approximate multipliers (dlc.approx = \"%s\"); compile "
                   "this model for the c or acc target, or without --approx for this node",
                   plan->steps[s].where, plan->steps[s].q->ax.spec);
      goto cleanup;
    }
    if (plan->steps[s].q->lossy.k > 0) { /* a rounding step the command streams do not have */
      mac_free(&mac);
      dl_error_set(e, "%s: the pim target does not implement K-lossy activations (dlc.compress with k = %d); "
                   "compress activations for the c or acc target, or with --compress-kmax=0",
                   plan->steps[s].where, plan->steps[s].q->lossy.k);
      goto cleanup;
    }
    k.cmd0 = g.n;
    int64_t a0 = g.naap, p0 = g.nap;
    bool gen = k.kind == DL_PIM_K_MAX ? gen_max(&g, &k, dl_pim_data_rows(dev->rows), e) : gen_mac(&g, &k, &mac, dev, e);
    mac_free(&mac);
    if (!gen) {
      dl_error_prefix(e, plan->steps[s].where);
      goto cleanup;
    }
    k.ncmd = g.n - k.cmd0, k.naap = g.naap - a0, k.nap = g.nap - p0;
    if (timing) dl_pim_note_counts(&g);
    out->k[out->nk++] = k;
  }
  out->cmd = g.w, out->ncmd = g.n;
  out->counts = g.counts, out->ncounts = g.ncounts;
  g.w = NULL, g.counts = NULL;
  if (!timing) out->mlir = dl_print_op(mlirModuleGetOperation(m), DL_PRINT_LOC, &out->mlir_len);
  ok = true;
cleanup:
  dl_pim_prog_free(&g);
  if (!ok) dl_pim_program_free(out);
  return ok;
}

void dl_pim_program_free(DlPimProgram *p) {
  free(p->mlir);
  free(p->k);
  free(p->cmd);
  free(p->counts);
  memset(p, 0, sizeof *p);
}

bool dl_pim_kernel_of_step(DlPlan *plan, int s, DlPimKernel *k) {
  Mac mac;
  bool ok = plan_kernel(plan, s, k, &mac);
  if (ok) mac_free(&mac);
  return ok;
}
