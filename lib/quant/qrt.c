/* qrt kernels. Each function sits between "@fn NAME [uses DEPS]" and "@end"
 * markers (see dlrt.c); keep every section plain C99 without libm. */
#include "dlc/qrt.h"

#include <math.h>
#include <string.h>

/* @fn qrt_ld */
int64_t qrt_ld(const void *p, int es, dlrt_i i) {
  return es == 1 ? ((const int8_t *)p)[i] : es == 2 ? ((const int16_t *)p)[i] : ((const int32_t *)p)[i];
}
/* @end */

/* @fn qrt_st */
void qrt_st(void *p, int es, dlrt_i i, int64_t v) {
  if (es == 1) ((int8_t *)p)[i] = (int8_t)v;
  else if (es == 2) ((int16_t *)p)[i] = (int16_t)v;
  else ((int32_t *)p)[i] = (int32_t)v;
}
/* @end */

/* @fn qrt_requant */
/* rshift_round(acc * m0, shift): floor((v + 2^(shift-1)) / 2^shift), exact for negative v too. */
int64_t qrt_requant(int64_t acc, qrt_mult m) {
  int64_t v = acc * m.m0;
  if (m.shift <= 0) return v;
  v += (int64_t)1 << (m.shift - 1);
  return v >= 0 ? v >> m.shift : ~((~v) >> m.shift);
}
/* @end */

/* @fn qrt_wget */
int32_t qrt_wget(qrt_wts w, dlrt_i i) {
  if (w.bits == 8) return ((const int8_t *)w.data)[i];
  if (w.bits == 16) return ((const int16_t *)w.data)[i];
  if (w.bits == 32) return ((const int32_t *)w.data)[i];
  {
    const unsigned char *p = (const unsigned char *)w.data + ((i * w.bits) >> 3);
    uint32_t v = ((uint32_t)p[0] | (uint32_t)p[1] << 8) >> ((i * w.bits) & 7), sign = (uint32_t)1 << (w.bits - 1);
    v &= (sign << 1) - 1;
    return (int32_t)(v ^ sign) - (int32_t)sign;
  }
}
/* @end */

/* @fn qrt_out_store uses qrt_st qrt_requant */
static void qrt_out_store(void *y, dlrt_i i, int64_t acc, qrt_mult m, qrt_out o) {
  int64_t v = o.zp + qrt_requant(acc, m);
  qrt_st(y, o.es, i, v < o.lo ? o.lo : v > o.hi ? o.hi : v);
}
/* @end */

/* @fn qrt_quantize uses qrt_st */
void qrt_quantize(dlrt_i n, const float *x, float scale, qrt_out o, void *y) {
  dlrt_i i;
  for (i = 0; i < n; i++) {
    float r = nearbyintf(x[i] / scale);
    int64_t v;
    if (r != r) r = 0.0f;
    if (r > 1e15f) r = 1e15f;
    if (r < -1e15f) r = -1e15f;
    v = (int64_t)r + o.zp;
    qrt_st(y, o.es, i, v < o.lo ? o.lo : v > o.hi ? o.hi : v);
  }
}
/* @end */

/* @fn qrt_dequantize uses qrt_ld */
void qrt_dequantize(dlrt_i n, const void *x, int es, int64_t zp, float scale, float *y) {
  dlrt_i i;
  for (i = 0; i < n; i++) y[i] = (float)(qrt_ld(x, es, i) - zp) * scale;
}
/* @end */

/* @fn qrt_igemm uses qrt_wget */
/* acc[M,N] = A[M,K] * B[K,N] exactly (int64 sums): A is weights from element a0 with row stride lda. */
static void qrt_igemm(dlrt_i M, dlrt_i N, dlrt_i K, qrt_wts A, dlrt_i a0, dlrt_i lda, const int32_t *B, dlrt_i ldb,
                      int64_t *acc) {
  dlrt_i i, j, k;
  for (i = 0; i < M; i++) {
    int64_t *c = acc + i * N;
    for (j = 0; j < N; j++) c[j] = 0;
    for (k = 0; k < K; k++) {
      const int64_t a = qrt_wget(A, a0 + i * lda + k);
      const int32_t *b = B + k * ldb;
      if (a == 0) continue;
      for (j = 0; j < N; j++) c[j] += a * b[j];
    }
  }
}
/* @end */

/* @fn qrt_conv uses qrt_ld qrt_igemm qrt_out_store */
void qrt_conv(const dlrt_win *g, const void *x, int xes, int64_t zx, qrt_wts w, const int32_t *bias,
              const qrt_mult *mult, qrt_out o, void *y, int32_t *col, int64_t *acc) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group;
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], P = g->od[0] * g->od[1] * g->od[2];
  dlrt_i n, gr, c, kd, kh, kw, od, oh, ow, m, p;
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++) {
      dlrt_i xbase = (n * g->c + gr * cg) * ivol, ybase = (n * g->m + gr * mg) * P;
      int32_t *dst = col;
      for (c = 0; c < cg; c++)
        for (kd = 0; kd < g->k[0]; kd++)
          for (kh = 0; kh < g->k[1]; kh++)
            for (kw = 0; kw < g->k[2]; kw++)
              for (od = 0; od < g->od[0]; od++) {
                dlrt_i zd = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
                for (oh = 0; oh < g->od[1]; oh++) {
                  dlrt_i zh = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
                  int rowok = zd >= 0 && zd < g->id[0] && zh >= 0 && zh < g->id[1];
                  dlrt_i src = xbase + ((c * g->id[0] + zd) * g->id[1] + zh) * g->id[2];
                  for (ow = 0; ow < g->od[2]; ow++) {
                    dlrt_i zw = ow * g->stride[2] - g->pad[2] + kw * g->dil[2];
                    *dst++ = rowok && zw >= 0 && zw < g->id[2] ? (int32_t)(qrt_ld(x, xes, src + zw) - zx) : 0;
                  }
                }
              }
      qrt_igemm(mg, P, K, w, gr * mg * K, K, col, P, acc);
      for (m = 0; m < mg; m++) {
        dlrt_i ch = gr * mg + m;
        int64_t b = bias ? bias[ch] : 0;
        for (p = 0; p < P; p++) qrt_out_store(y, ybase + m * P + p, acc[m * P + p] + b, mult[ch], o);
      }
    }
}
/* @end */

/* @fn qrt_matmul uses qrt_ld qrt_wget qrt_out_store */
void qrt_matmul(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N, dlrt_i K,
                const void *a, int aes, int64_t za, const qrt_wts *bw, const void *bq, int bes, int64_t zb,
                const int32_t *bias, const qrt_mult *mult, int nmult, qrt_out o, void *y, int64_t *acc) {
  dlrt_i t, i, j, k;
  for (t = 0; t < batches; t++)
    for (i = 0; i < M; i++) {
      for (j = 0; j < N; j++) acc[j] = 0;
      for (k = 0; k < K; k++) {
        int64_t av = qrt_ld(a, aes, aoff[t] + i * K + k) - za;
        dlrt_i brow = boff[t] + k * N;
        if (av == 0) continue;
        if (bw && bw->bits == 8) {
          const int8_t *b8 = (const int8_t *)bw->data + brow;
          for (j = 0; j < N; j++) acc[j] += av * b8[j];
        } else if (bw) {
          for (j = 0; j < N; j++) acc[j] += av * qrt_wget(*bw, brow + j);
        } else
          for (j = 0; j < N; j++) acc[j] += av * (qrt_ld(bq, bes, brow + j) - zb);
      }
      for (j = 0; j < N; j++)
        qrt_out_store(y, (t * M + i) * N + j, acc[j] + (bias ? bias[j] : 0), mult[nmult > 1 ? j : 0], o);
    }
}
/* @end */

/* @fn qrt_binary uses qrt_ld qrt_st qrt_requant */
void qrt_binary(int op, int r, const dlrt_i *d, const void *a, int aes, const dlrt_i *as, int64_t za,
                const void *b, int bes, const dlrt_i *bs, int64_t zb, qrt_mult ma, qrt_mult mb, qrt_out o,
                void *y) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? d[r - 1] : 1, sa = r ? as[r - 1] : 0, sb = r ? bs[r - 1] : 0, q,
         j;
  int i;
  for (i = 0; i < r; i++) total *= d[i];
  for (q = 0; q < total; q += inner) {
    dlrt_i ao = 0, bo = 0;
    for (i = 0; i + 1 < r; i++) ao += idx[i] * as[i], bo += idx[i] * bs[i];
    for (j = 0; j < inner; j++) {
      int64_t p = qrt_ld(a, aes, ao + j * sa) - za, s = qrt_ld(b, bes, bo + j * sb) - zb, v;
      if (op == 2) {
        v = qrt_requant(p * s, ma);
      } else {
        qrt_mult m = {1, ma.shift};
        v = qrt_requant(p * ma.m0 + (op ? -s : s) * mb.m0, m);
      }
      v += o.zp;
      qrt_st(y, o.es, q + j, v < o.lo ? o.lo : v > o.hi ? o.hi : v);
    }
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < d[i]) break;
      idx[i] = 0;
    }
  }
}
/* @end */

/* @fn qrt_lut uses qrt_ld qrt_st */
void qrt_lut(dlrt_i n, const void *x, int xes, int64_t lo_in, const int32_t *lut, int yes, void *y) {
  dlrt_i i;
  for (i = 0; i < n; i++) qrt_st(y, yes, i, lut[qrt_ld(x, xes, i) - lo_in]);
}
/* @end */

/* @fn qrt_clamp uses qrt_ld qrt_st */
void qrt_clamp(dlrt_i n, const void *x, int64_t lo, int64_t hi, int es, void *y) {
  dlrt_i i;
  for (i = 0; i < n; i++) {
    int64_t v = qrt_ld(x, es, i);
    qrt_st(y, es, i, v < lo ? lo : v > hi ? hi : v);
  }
}
/* @end */

/* @fn qrt_div_round */
/* round_half_up(s / c) for c > 0: floor((2s + c) / 2c). */
static int64_t qrt_div_round(int64_t s, int64_t c) {
  int64_t num = 2 * s + c, den = 2 * c, q = num / den;
  if ((num % den != 0) && (num < 0)) q--;
  return q;
}
/* @end */

/* @fn qrt_pool uses qrt_ld qrt_st qrt_div_round */
void qrt_pool(const dlrt_win *g, int kind, const void *x, int64_t zp, int es, void *y) {
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ovol = g->od[0] * g->od[1] * g->od[2];
  dlrt_i nc = g->n * g->c, q, o0, o1, o2, k0, k1, k2;
  for (q = 0; q < nc; q++)
    for (o0 = 0; o0 < g->od[0]; o0++)
      for (o1 = 0; o1 < g->od[1]; o1++)
        for (o2 = 0; o2 < g->od[2]; o2++) {
          int64_t acc = kind == 0 ? INT64_MIN : 0, cnt = 0, cnt_pad = 0;
          for (k0 = 0; k0 < g->k[0]; k0++) {
            dlrt_i z0 = o0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
            int in0 = z0 >= 0 && z0 < g->id[0], pad0 = z0 >= -g->pad[0] && z0 < g->id[0] + g->pad_end[0];
            for (k1 = 0; k1 < g->k[1]; k1++) {
              dlrt_i z1 = o1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
              int in1 = z1 >= 0 && z1 < g->id[1], pad1 = z1 >= -g->pad[1] && z1 < g->id[1] + g->pad_end[1];
              for (k2 = 0; k2 < g->k[2]; k2++) {
                dlrt_i z2 = o2 * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                int in2 = z2 >= 0 && z2 < g->id[2], pad2 = z2 >= -g->pad[2] && z2 < g->id[2] + g->pad_end[2];
                int64_t v;
                cnt_pad += pad0 && pad1 && pad2;
                if (!(in0 && in1 && in2)) continue;
                v = qrt_ld(x, es, q * ivol + (z0 * g->id[1] + z1) * g->id[2] + z2);
                if (kind == 0) acc = v > acc ? v : acc;
                else acc += v - zp;
                cnt++;
              }
            }
          }
          if (kind == 1) acc = cnt ? zp + qrt_div_round(acc, cnt) : zp;
          if (kind == 2) acc = cnt_pad ? zp + qrt_div_round(acc, cnt_pad) : zp;
          if (kind == 0 && !cnt) acc = zp;
          qrt_st(y, es, q * ovol + (o0 * g->od[1] + o1) * g->od[2] + o2, acc);
        }
}
/* @end */

/* @fn qrt_global_pool uses qrt_ld qrt_st qrt_div_round */
void qrt_global_pool(dlrt_i nc, dlrt_i spatial, int is_max, const void *x, int64_t zp, int es, void *y) {
  dlrt_i q, i;
  for (q = 0; q < nc; q++) {
    int64_t acc = is_max ? INT64_MIN : 0;
    for (i = 0; i < spatial; i++) {
      int64_t v = qrt_ld(x, es, q * spatial + i);
      if (is_max) acc = v > acc ? v : acc;
      else acc += v - zp;
    }
    qrt_st(y, es, q, is_max ? acc : zp + qrt_div_round(acc, spatial));
  }
}
/* @end */

/* @fn qrt_copy_strided */
void qrt_copy_strided(int r, const dlrt_i *out_dims, const dlrt_i *in_strides, dlrt_i in_offset, const void *x,
                      int es, void *y) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? out_dims[r - 1] : 1, s = r ? in_strides[r - 1] : 0, o, j;
  const unsigned char *xb = (const unsigned char *)x;
  unsigned char *yb = (unsigned char *)y;
  int i;
  for (i = 0; i < r; i++) total *= out_dims[i];
  for (o = 0; o < total; o += inner) {
    dlrt_i base = in_offset;
    for (i = 0; i + 1 < r; i++) base += idx[i] * in_strides[i];
    for (j = 0; j < inner; j++) memcpy(yb + (o + j) * es, xb + (base + j * s) * es, (size_t)es);
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < out_dims[i]) break;
      idx[i] = 0;
    }
  }
}
/* @end */

/* @fn qrt_concat */
void qrt_concat(int n, const void *const *xs, const dlrt_i *chunk, dlrt_i outer, int es, void *y) {
  unsigned char *yb = (unsigned char *)y;
  dlrt_i o;
  int i;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n; i++) {
      memcpy(yb, (const unsigned char *)xs[i] + o * chunk[i] * es, (size_t)(chunk[i] * es));
      yb += chunk[i] * es;
    }
}
/* @end */
