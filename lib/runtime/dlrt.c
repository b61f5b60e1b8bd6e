/* dlrt kernels. Each function sits between "@fn NAME [uses DEPS]" and "@end"
 * markers; the C target copies exactly the sections a model needs, in file
 * order, into the generated code. Keep every section plain C99. */
#include "dlc/dlrt.h"

#include <math.h>
#include <string.h>

/* @fn dlrt_apply_act */
static void dlrt_apply_act(float *y, dlrt_i n, dlrt_act act) {
  dlrt_i i;
  if (!act.on) return;
  for (i = 0; i < n; i++) {
    float v = y[i];
    y[i] = v < act.lo ? act.lo : v > act.hi ? act.hi : v;
  }
}
/* @end */

/* @fn dlrt_sgemm */
/* Sums over k run in order for every C[i][j], so vectorizing over j never
 * changes a result: the interpreter and generated code agree bit for bit. */
void dlrt_sgemm(dlrt_i M, dlrt_i N, dlrt_i K, const float *A, dlrt_i lda, const float *B, dlrt_i ldb,
                float *C, dlrt_i ldc, int accumulate) {
  const dlrt_i KB = 256, NB = 1024;
  dlrt_i i, j, k, k0, j0;
  if (!accumulate)
    for (i = 0; i < M; i++) memset(C + i * ldc, 0, sizeof(float) * (size_t)N);
  for (k0 = 0; k0 < K; k0 += KB) {
    dlrt_i k1 = k0 + KB < K ? k0 + KB : K;
    for (j0 = 0; j0 < N; j0 += NB) {
      dlrt_i j1 = j0 + NB < N ? j0 + NB : N;
      for (i = 0; i + 4 <= M; i += 4) {
        float *c0 = C + i * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
        for (k = k0; k < k1; k++) {
          const float a0 = A[i * lda + k], a1 = A[(i + 1) * lda + k], a2 = A[(i + 2) * lda + k],
                      a3 = A[(i + 3) * lda + k];
          const float *b = B + k * ldb;
          for (j = j0; j < j1; j++) {
            float bj = b[j];
            c0[j] += a0 * bj;
            c1[j] += a1 * bj;
            c2[j] += a2 * bj;
            c3[j] += a3 * bj;
          }
        }
      }
      for (; i < M; i++) {
        float *c0 = C + i * ldc;
        for (k = k0; k < k1; k++) {
          const float a0 = A[i * lda + k];
          const float *b = B + k * ldb;
          for (j = j0; j < j1; j++) c0[j] += a0 * b[j];
        }
      }
    }
  }
}
/* @end */

/* @fn dlrt_conv_scratch */
dlrt_i dlrt_conv_scratch(const dlrt_win *g) {
  dlrt_i cg = g->c / g->group;
  return cg * g->k[0] * g->k[1] * g->k[2] * g->od[0] * g->od[1] * g->od[2];
}
/* @end */

/* @fn dlrt_conv uses dlrt_sgemm dlrt_apply_act */
void dlrt_conv(const dlrt_win *g, const float *x, const float *w, const float *b, float *y,
               float *scratch, dlrt_act act) {
  dlrt_i cg = g->c / g->group, mg = g->m / g->group;
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2], K = cg * kvol;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], P = g->od[0] * g->od[1] * g->od[2];
  int direct = kvol == 1 && g->stride[0] == 1 && g->stride[1] == 1 && g->stride[2] == 1 &&
               g->pad[0] == 0 && g->pad[1] == 0 && g->pad[2] == 0;
  dlrt_i n, gr, c, kd, kh, kw, od, oh, ow, m, p;
  for (n = 0; n < g->n; n++) {
    for (gr = 0; gr < g->group; gr++) {
      const float *xg = x + (n * g->c + gr * cg) * ivol;
      float *yg = y + (n * g->m + gr * mg) * P;
      const float *col = xg;
      if (!direct) {
        float *dst = scratch;
        for (c = 0; c < cg; c++)
          for (kd = 0; kd < g->k[0]; kd++)
            for (kh = 0; kh < g->k[1]; kh++)
              for (kw = 0; kw < g->k[2]; kw++)
                for (od = 0; od < g->od[0]; od++) {
                  dlrt_i zd = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
                  for (oh = 0; oh < g->od[1]; oh++) {
                    dlrt_i zh = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
                    int rowok = zd >= 0 && zd < g->id[0] && zh >= 0 && zh < g->id[1];
                    const float *src = xg + ((c * g->id[0] + zd) * g->id[1] + zh) * g->id[2];
                    for (ow = 0; ow < g->od[2]; ow++) {
                      dlrt_i zw = ow * g->stride[2] - g->pad[2] + kw * g->dil[2];
                      *dst++ = rowok && zw >= 0 && zw < g->id[2] ? src[zw] : 0.0f;
                    }
                  }
                }
        col = scratch;
      }
      dlrt_sgemm(mg, P, K, w + gr * mg * K, K, col, P, yg, P, 0);
      for (m = 0; m < mg; m++) {
        float bias = b ? b[gr * mg + m] : 0.0f;
        float *row = yg + m * P;
        if (b)
          for (p = 0; p < P; p++) row[p] += bias;
        dlrt_apply_act(row, P, act);
      }
    }
  }
}
/* @end */

/* @fn dlrt_conv_transpose uses dlrt_apply_act */
void dlrt_conv_transpose(const dlrt_win *g, const float *x, const float *w, const float *b, float *y,
                         dlrt_act act) {
  /* here c = input channels, m = output channels, id = input dims, od = output dims */
  dlrt_i cg = g->c / g->group, mg = g->m / g->group;
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ovol = g->od[0] * g->od[1] * g->od[2];
  dlrt_i kvol = g->k[0] * g->k[1] * g->k[2];
  dlrt_i n, gr, c, m, i0, i1, i2, k0, k1, k2, p;
  for (n = 0; n < g->n; n++)
    for (m = 0; m < g->m; m++) {
      float bias = b ? b[m] : 0.0f;
      float *row = y + (n * g->m + m) * ovol;
      for (p = 0; p < ovol; p++) row[p] = bias;
    }
  for (n = 0; n < g->n; n++)
    for (gr = 0; gr < g->group; gr++)
      for (c = 0; c < cg; c++) {
        const float *xc = x + (n * g->c + gr * cg + c) * ivol;
        for (m = 0; m < mg; m++) {
          const float *wk = w + ((gr * cg + c) * mg + m) * kvol;
          float *yo = y + (n * g->m + gr * mg + m) * ovol;
          for (i0 = 0; i0 < g->id[0]; i0++)
            for (i1 = 0; i1 < g->id[1]; i1++)
              for (i2 = 0; i2 < g->id[2]; i2++) {
                float xv = xc[(i0 * g->id[1] + i1) * g->id[2] + i2];
                for (k0 = 0; k0 < g->k[0]; k0++) {
                  dlrt_i o0 = i0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
                  if (o0 < 0 || o0 >= g->od[0]) continue;
                  for (k1 = 0; k1 < g->k[1]; k1++) {
                    dlrt_i o1 = i1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
                    if (o1 < 0 || o1 >= g->od[1]) continue;
                    for (k2 = 0; k2 < g->k[2]; k2++) {
                      dlrt_i o2 = i2 * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                      if (o2 < 0 || o2 >= g->od[2]) continue;
                      yo[(o0 * g->od[1] + o1) * g->od[2] + o2] +=
                          xv * wk[(k0 * g->k[1] + k1) * g->k[2] + k2];
                    }
                  }
                }
              }
        }
      }
  for (n = 0; n < g->n * g->m; n++) dlrt_apply_act(y + n * ovol, ovol, act);
}
/* @end */

/* @fn dlrt_pool */
/* Average with pads counts window positions inside [-pad, in + pad_end). */
void dlrt_pool(const dlrt_win *g, int kind, const float *x, float *y) {
  dlrt_i ivol = g->id[0] * g->id[1] * g->id[2], ovol = g->od[0] * g->od[1] * g->od[2];
  dlrt_i nc = g->n * g->c, q, o0, o1, o2, k0, k1, k2;
  for (q = 0; q < nc; q++) {
    const float *xq = x + q * ivol;
    float *yq = y + q * ovol;
    for (o0 = 0; o0 < g->od[0]; o0++)
      for (o1 = 0; o1 < g->od[1]; o1++)
        for (o2 = 0; o2 < g->od[2]; o2++) {
          float acc = kind == 0 ? -INFINITY : 0.0f;
          dlrt_i cnt = 0, cnt_pad = 0;
          for (k0 = 0; k0 < g->k[0]; k0++) {
            dlrt_i z0 = o0 * g->stride[0] - g->pad[0] + k0 * g->dil[0];
            int in0 = z0 >= 0 && z0 < g->id[0];
            int pad0 = z0 >= -g->pad[0] && z0 < g->id[0] + g->pad_end[0];
            for (k1 = 0; k1 < g->k[1]; k1++) {
              dlrt_i z1 = o1 * g->stride[1] - g->pad[1] + k1 * g->dil[1];
              int in1 = z1 >= 0 && z1 < g->id[1];
              int pad1 = z1 >= -g->pad[1] && z1 < g->id[1] + g->pad_end[1];
              for (k2 = 0; k2 < g->k[2]; k2++) {
                dlrt_i z2 = o2 * g->stride[2] - g->pad[2] + k2 * g->dil[2];
                int in2 = z2 >= 0 && z2 < g->id[2];
                int pad2 = z2 >= -g->pad[2] && z2 < g->id[2] + g->pad_end[2];
                cnt_pad += pad0 && pad1 && pad2;
                if (!(in0 && in1 && in2)) continue;
                float v = xq[(z0 * g->id[1] + z1) * g->id[2] + z2];
                if (kind == 0) acc = v > acc ? v : acc;
                else acc += v;
                cnt++;
              }
            }
          }
          if (kind == 1) acc = cnt ? acc / (float)cnt : 0.0f;
          if (kind == 2) acc = cnt_pad ? acc / (float)cnt_pad : 0.0f;
          yq[(o0 * g->od[1] + o1) * g->od[2] + o2] = acc;
        }
  }
}
/* @end */

/* @fn dlrt_global_pool */
void dlrt_global_pool(dlrt_i nc, dlrt_i spatial, int is_max, const float *x, float *y) {
  dlrt_i q, i;
  for (q = 0; q < nc; q++) {
    const float *xq = x + q * spatial;
    float acc = is_max ? -INFINITY : 0.0f;
    for (i = 0; i < spatial; i++) {
      if (is_max) acc = xq[i] > acc ? xq[i] : acc;
      else acc += xq[i];
    }
    y[q] = is_max ? acc : acc / (float)spatial;
  }
}
/* @end */

/* @fn dlrt_gemm uses dlrt_sgemm dlrt_apply_act */
void dlrt_gemm(dlrt_i M, dlrt_i N, dlrt_i K, int transA, int transB, float alpha, float beta,
               const float *A, const float *B, const float *C, dlrt_i cm, dlrt_i cn, float *Y,
               float *scratch, dlrt_act act) {
  dlrt_i i, j;
  const float *a = A, *b = B;
  if (transA) { /* A is [K,M] */
    float *t = scratch;
    for (i = 0; i < M; i++)
      for (j = 0; j < K; j++) t[i * K + j] = A[j * M + i];
    a = t;
    scratch += M * K;
  }
  if (transB) { /* B is [N,K] */
    float *t = scratch;
    for (i = 0; i < K; i++)
      for (j = 0; j < N; j++) t[i * N + j] = B[j * K + i];
    b = t;
  }
  dlrt_sgemm(M, N, K, a, K, b, N, Y, N, 0);
  for (i = 0; i < M; i++)
    for (j = 0; j < N; j++) {
      float v = alpha * Y[i * N + j];
      if (C) v += beta * C[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
      Y[i * N + j] = v;
    }
  dlrt_apply_act(Y, M * N, act);
}
/* @end */

/* @fn dlrt_matmul uses dlrt_sgemm dlrt_apply_act */
void dlrt_matmul(dlrt_i batches, const dlrt_i *aoff, const dlrt_i *boff, dlrt_i M, dlrt_i N,
                 dlrt_i K, const float *A, const float *B, float *Y, dlrt_act act) {
  dlrt_i t;
  for (t = 0; t < batches; t++) dlrt_sgemm(M, N, K, A + aoff[t], K, B + boff[t], N, Y + t * M * N, N, 0);
  dlrt_apply_act(Y, batches * M * N, act);
}
/* @end */

/* @fn dlrt_binary uses dlrt_apply_act */
#define DLRT_BIN_LOOP(EXPR)                                                                        \
  for (j = 0; j < inner; j++) {                                                                    \
    float p = a[ao + j * sa], q = b[bo + j * sb];                                                  \
    y[o + j] = (EXPR);                                                                             \
  }
void dlrt_binary(int op, int r, const dlrt_i *d, const float *a, const dlrt_i *as, const float *b,
                 const dlrt_i *bs, float *y, dlrt_act act) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? d[r - 1] : 1, sa = r ? as[r - 1] : 0,
         sb = r ? bs[r - 1] : 0, o, j;
  int i;
  for (i = 0; i < r; i++) total *= d[i];
  for (o = 0; o < total; o += inner) {
    dlrt_i ao = 0, bo = 0;
    for (i = 0; i + 1 < r; i++) ao += idx[i] * as[i], bo += idx[i] * bs[i];
    switch (op) {
    case DLRT_ADD: DLRT_BIN_LOOP(p + q) break;
    case DLRT_SUB: DLRT_BIN_LOOP(p - q) break;
    case DLRT_MUL: DLRT_BIN_LOOP(p * q) break;
    case DLRT_DIV: DLRT_BIN_LOOP(p / q) break;
    case DLRT_POW: DLRT_BIN_LOOP(powf(p, q)) break;
    case DLRT_MAX: DLRT_BIN_LOOP(p != p || q != q ? NAN : p > q ? p : q) break;
    case DLRT_MIN: DLRT_BIN_LOOP(p != p || q != q ? NAN : p < q ? p : q) break;
    case DLRT_PRELU: DLRT_BIN_LOOP(p < 0 ? p * q : p) break;
    default: break;
    }
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < d[i]) break;
      idx[i] = 0;
    }
  }
  dlrt_apply_act(y, total, act);
}
#undef DLRT_BIN_LOOP
/* @end */

/* @fn dlrt_unary */
#define DLRT_UN_LOOP(EXPR)                                                                         \
  for (i = 0; i < n; i++) {                                                                        \
    float v = x[i];                                                                                \
    y[i] = (EXPR);                                                                                 \
  }
void dlrt_unary(int op, dlrt_i n, const float *x, float *y, float p0, float p1) {
  dlrt_i i;
  switch (op) {
  case DLRT_RELU: DLRT_UN_LOOP(v < 0 ? 0.0f : v) break;
  case DLRT_LEAKY_RELU: DLRT_UN_LOOP(v < 0 ? p0 * v : v) break;
  case DLRT_CLIP: DLRT_UN_LOOP(v < p0 ? p0 : v > p1 ? p1 : v) break;
  case DLRT_SIGMOID: DLRT_UN_LOOP(1.0f / (1.0f + expf(-v))) break;
  case DLRT_HARD_SIGMOID: DLRT_UN_LOOP(fmaxf(0.0f, fminf(1.0f, p0 * v + p1))) break;
  case DLRT_HARD_SWISH: DLRT_UN_LOOP(v * fmaxf(0.0f, fminf(1.0f, v / 6.0f + 0.5f))) break;
  case DLRT_TANH: DLRT_UN_LOOP(tanhf(v)) break;
  case DLRT_ERF: DLRT_UN_LOOP(erff(v)) break;
  case DLRT_GELU: DLRT_UN_LOOP(0.5f * v * (1.0f + erff(v * 0.70710678118654752f))) break;
  case DLRT_GELU_TANH:
    DLRT_UN_LOOP(0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v))))
    break;
  case DLRT_ELU: DLRT_UN_LOOP(v < 0 ? p0 * (expf(v) - 1.0f) : v) break;
  case DLRT_SELU: DLRT_UN_LOOP(v <= 0 ? p1 * (p0 * expf(v) - p0) : p1 * v) break;
  case DLRT_CELU: DLRT_UN_LOOP(fmaxf(0.0f, v) + fminf(0.0f, p0 * (expf(v / p0) - 1.0f))) break;
  case DLRT_SOFTPLUS: DLRT_UN_LOOP(logf(expf(v) + 1.0f)) break;
  case DLRT_SOFTSIGN: DLRT_UN_LOOP(v / (1.0f + fabsf(v))) break;
  case DLRT_THRESHOLDED_RELU: DLRT_UN_LOOP(v > p0 ? v : 0.0f) break;
  case DLRT_SQRT: DLRT_UN_LOOP(sqrtf(v)) break;
  case DLRT_EXP: DLRT_UN_LOOP(expf(v)) break;
  case DLRT_LOG: DLRT_UN_LOOP(logf(v)) break;
  case DLRT_NEG: DLRT_UN_LOOP(-v) break;
  case DLRT_ABS: DLRT_UN_LOOP(fabsf(v)) break;
  case DLRT_RECIPROCAL: DLRT_UN_LOOP(1.0f / v) break;
  case DLRT_FLOOR: DLRT_UN_LOOP(floorf(v)) break;
  case DLRT_CEIL: DLRT_UN_LOOP(ceilf(v)) break;
  case DLRT_ROUND: DLRT_UN_LOOP(nearbyintf(v)) break;
  case DLRT_SIGN: DLRT_UN_LOOP((float)((v > 0) - (v < 0))) break;
  case DLRT_SIN: DLRT_UN_LOOP(sinf(v)) break;
  case DLRT_COS: DLRT_UN_LOOP(cosf(v)) break;
  default: break;
  }
}
#undef DLRT_UN_LOOP
/* @end */

/* @fn dlrt_softmax */
void dlrt_softmax(dlrt_i outer, dlrt_i len, dlrt_i inner, int log, const float *x, float *y) {
  dlrt_i o, i, k;
  for (o = 0; o < outer; o++)
    for (i = 0; i < inner; i++) {
      const float *xs = x + o * len * inner + i;
      float *ys = y + o * len * inner + i;
      float mx = -INFINITY, sum = 0.0f;
      for (k = 0; k < len; k++) mx = xs[k * inner] > mx ? xs[k * inner] : mx;
      for (k = 0; k < len; k++) {
        float e = expf(xs[k * inner] - mx);
        if (!log) ys[k * inner] = e;
        sum += e;
      }
      if (log) {
        float ls = logf(sum);
        for (k = 0; k < len; k++) ys[k * inner] = xs[k * inner] - mx - ls;
      } else {
        for (k = 0; k < len; k++) ys[k * inner] /= sum;
      }
    }
}
/* @end */

/* @fn dlrt_layer_norm */
void dlrt_layer_norm(dlrt_i outer, dlrt_i len, const float *x, const float *scale,
                     const float *bias, float eps, float *y) {
  dlrt_i o, k;
  for (o = 0; o < outer; o++) {
    const float *xs = x + o * len;
    float *ys = y + o * len;
    double mean = 0, var = 0;
    for (k = 0; k < len; k++) mean += xs[k];
    mean /= (double)len;
    for (k = 0; k < len; k++) var += ((double)xs[k] - mean) * ((double)xs[k] - mean);
    var /= (double)len;
    {
      float inv = (float)(1.0 / sqrt(var + (double)eps)), m = (float)mean;
      for (k = 0; k < len; k++) ys[k] = (xs[k] - m) * inv * scale[k] + (bias ? bias[k] : 0.0f);
    }
  }
}
/* @end */

/* @fn dlrt_batch_norm */
void dlrt_batch_norm(dlrt_i n, dlrt_i c, dlrt_i spatial, const float *x, const float *scale,
                     const float *bias, const float *mean, const float *var, float eps, float *y) {
  dlrt_i i, ch, s;
  for (i = 0; i < n; i++)
    for (ch = 0; ch < c; ch++) {
      float inv = 1.0f / sqrtf(var[ch] + eps), m = mean[ch], sc = scale[ch], bi = bias[ch];
      const float *xs = x + (i * c + ch) * spatial;
      float *ys = y + (i * c + ch) * spatial;
      for (s = 0; s < spatial; s++) ys[s] = (xs[s] - m) * inv * sc + bi;
    }
}
/* @end */

/* @fn dlrt_instance_norm */
void dlrt_instance_norm(dlrt_i n, dlrt_i c, dlrt_i spatial, const float *x, const float *scale,
                        const float *bias, float eps, float *y) {
  dlrt_i i, ch, s;
  for (i = 0; i < n; i++)
    for (ch = 0; ch < c; ch++) {
      const float *xs = x + (i * c + ch) * spatial;
      float *ys = y + (i * c + ch) * spatial;
      double mean = 0, var = 0;
      for (s = 0; s < spatial; s++) mean += xs[s];
      mean /= (double)spatial;
      for (s = 0; s < spatial; s++) var += ((double)xs[s] - mean) * ((double)xs[s] - mean);
      var /= (double)spatial;
      {
        float inv = (float)(1.0 / sqrt(var + (double)eps)), m = (float)mean;
        for (s = 0; s < spatial; s++) ys[s] = (xs[s] - m) * inv * scale[ch] + bias[ch];
      }
    }
}
/* @end */

/* @fn dlrt_copy_strided */
void dlrt_copy_strided(int r, const dlrt_i *out_dims, const dlrt_i *in_strides, dlrt_i in_offset,
                       const float *x, float *y) {
  dlrt_i idx[8] = {0}, total = 1, inner = r ? out_dims[r - 1] : 1, s = r ? in_strides[r - 1] : 0,
         o, j;
  int i;
  for (i = 0; i < r; i++) total *= out_dims[i];
  for (o = 0; o < total; o += inner) {
    dlrt_i base = in_offset;
    for (i = 0; i + 1 < r; i++) base += idx[i] * in_strides[i];
    for (j = 0; j < inner; j++) y[o + j] = x[base + j * s];
    for (i = r - 2; i >= 0; i--) {
      if (++idx[i] < out_dims[i]) break;
      idx[i] = 0;
    }
  }
}
/* @end */

/* @fn dlrt_transpose uses dlrt_copy_strided */
void dlrt_transpose(int r, const dlrt_i *out_dims, const dlrt_i *in_strides_permuted,
                    const float *x, float *y) {
  dlrt_copy_strided(r, out_dims, in_strides_permuted, 0, x, y);
}
/* @end */

/* @fn dlrt_concat */
/* y = concat of n inputs along an axis: outer rows, input i contributing chunk[i] floats per row. */
void dlrt_concat(int n, const float *const *xs, const dlrt_i *chunk, dlrt_i outer, float *y) {
  dlrt_i o;
  int i;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n; i++) {
      memcpy(y, xs[i] + o * chunk[i], sizeof(float) * (size_t)chunk[i]);
      y += chunk[i];
    }
}
/* @end */
