/* The overflow proof of integer steps: interval arithmetic over the declared
 * operand ranges and the actual constants shows that every sum, product and
 * requantization a qrt kernel computes stays inside the integer type it uses.
 * The quantizer chooses widths and multipliers so that this holds
 * (docs/integer-semantics.md); the planner checks it for every integer step,
 * whoever wrote the IR, so no target computes a wrapped or saturated sum.
 *
 * Magnitudes are unsigned __int128: a sum over K weights of up to 31 bits
 * times an operand of up to 33 bits, times a 31-bit multiplier, stays below
 * 2^127 for any K below 2^32. */
#include <math.h>
#include <stdio.h>

#include "dlc/plan.h"
#include "dlc/quant.h"

__extension__ typedef unsigned __int128 U128;

#define LIM63 ((U128)1 << 63)

static uint64_t absdiff(int64_t a, int64_t b) {
  return a > b ? (uint64_t)(a - b) : (uint64_t)(b - a);
}

/* max |v - zp| over v in [lo, hi] */
static uint64_t span(const DlQRange *r, int64_t zp) {
  uint64_t a = absdiff(r->lo, zp), b = absdiff(r->hi, zp);
  return a > b ? a : b;
}

static bool fail(DlError *e, const DlStep *st, const char *what, U128 v, const char *limit) {
  return dl_error_set(e, "%s: %s reaches 2^%.1f, beyond %s", st->where, what, log2((double)v),
                      limit);
}

/* acc * m0 + 2^(shift-1), the requantization's int64 product (qrt_requant) */
static bool requant_fits(U128 acc, qrt_mult m) {
  return acc * (U128)m.m0 + (m.shift > 0 ? (U128)1 << (m.shift - 1) : 0) < LIM63;
}

static bool prove_mac(const DlStep *st, uint64_t xs, uint64_t bs, DlError *e) {
  const struct DlQStep *q = st->q;
  int64_t N = q->kind == DL_Q_CONV ? q->c.win.m : q->c.N;
  int64_t K = q->kind == DL_Q_CONV
                  ? q->c.win.c / q->c.win.group * q->c.win.k[0] * q->c.win.k[1] * q->c.win.k[2]
                  : q->c.K;
  char what[96];
  for (int64_t n = 0; n < N; n++) {
    U128 sw = 0; /* sum_k |w[k][n]|, or K * max|b - zb| for two activations */
    if (q->wdata)
      for (int64_t k = 0; k < K; k++) {
        int64_t w = qrt_wget(q->w, q->kind == DL_Q_CONV ? n * K + k : k * N + n);
        sw += q->ax.table ? (U128)dl_approx_colmax(q->ax.table, w < 0 ? -w : w, (int64_t)xs) : (U128)(w < 0 ? -w : w);
      }
    else
      sw = (U128)K * bs;
    /* approximate products: each bounded by its table column over |x - zx| <= xs */
    U128 acc = (q->ax.table ? sw : sw * xs) + (U128)(q->bias ? (q->bias[n] < 0 ? -(int64_t)q->bias[n] : q->bias[n]) : 0);
    snprintf(what, sizeof what, "the accumulator of output channel %lld", (long long)n);
    if (q->acc_bits <= 32 && acc >= (U128)1 << 31)
      return fail(e, st, what, acc, "the int32 accumulator that dlc.acc_bits <= 32 selects");
    if (acc >= LIM63) return fail(e, st, what, acc, "int64");
    qrt_mult m = q->mult[q->nmult == 1 ? 0 : n];
    snprintf(what, sizeof what, "the requantization product of output channel %lld", (long long)n);
    if (!requant_fits(acc, m))
      return fail(e, st, what, acc * (U128)m.m0, "int64 (a narrower dlc.mult is needed)");
    if (!q->wdata && !q->bias && q->nmult == 1) break; /* every column alike */
  }
  return true;
}

bool dl_qstep_prove(const DlStep *st, const DlQRange *x, const DlQRange *b, DlError *e) {
  const struct DlQStep *q = st->q;
  uint64_t xs = span(x, q->zx), bs = b ? span(b, q->zw) : 0;
  switch (q->kind) {
  case DL_Q_CONV:
  case DL_Q_MATMUL: return prove_mac(st, xs, bs, e);
  case DL_Q_BINARY: {
    U128 v;
    if (st->k == DL_OP_MUL) {
      v = (U128)xs * bs;
      if (!requant_fits(v, q->mult[0]))
        return fail(e, st, "the product times its multiplier", v * (U128)q->mult[0].m0, "int64");
      return true;
    }
    v = (U128)xs * (U128)q->mult[0].m0 + (U128)bs * (U128)q->mb.m0;
    if (!requant_fits(v, (qrt_mult){1, q->mult[0].shift}))
      return fail(e, st, "the scaled sum", v, "int64");
    return true;
  }
  case DL_Q_POOL:
  case DL_Q_GLOBAL_POOL: {
    /* sums of (x - zp) over a window, and 2 * sum + count in qrt_div_round */
    const dlrt_win *g = &q->c.win;
    int64_t count = q->kind == DL_Q_POOL ? g->k[0] * g->k[1] * g->k[2] : q->c.len;
    U128 v = (U128)count * xs;
    if (q->nmult && !requant_fits(v, q->mult[0]))
      return fail(e, st, "the sum times its multiplier", v * (U128)q->mult[0].m0, "int64");
    if (2 * v + (U128)count >= LIM63) return fail(e, st, "the pooled sum", v, "int64");
    return true;
  }
  case DL_Q_LUT:
    if (x->lo < q->lut_lo || x->hi >= q->lut_lo + q->lut_n)
      return dl_error_set(e, "%s: input levels %lld..%lld outside the table's %lld..%lld",
                          st->where, (long long)x->lo, (long long)x->hi, (long long)q->lut_lo,
                          (long long)(q->lut_lo + q->lut_n - 1));
    return true;
  default: return true; /* casts clamp by definition; data movement computes nothing */
  }
}
