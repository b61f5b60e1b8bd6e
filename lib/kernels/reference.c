/* Reference kernels over any dtype through double/int64 element access.
 * Used for compile-time folding; the interpreter has fast f32 paths and
 * falls back to these. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/kernels.h"

static bool out_alloc(DlTensor *out, DlError *e) {
  if (out->data) return true;
  DlShape s = out->shape;
  if (!dl_tensor_alloc(out, &s)) return dl_error_set(e, "out of memory");
  return true;
}

/* Index of output element `i` in an operand broadcast to out's shape. */
static int64_t bcast_index(const DlShape *out, const DlShape *in, int64_t i) {
  int64_t idx = 0, stride = 1;
  for (int d = out->rank - 1; d >= 0; d--) {
    int64_t c = i % out->dims[d];
    i /= out->dims[d];
    int id = d - (out->rank - in->rank);
    if (id < 0) continue;
    if (in->dims[id] != 1) idx += c * stride;
    stride *= in->dims[id];
  }
  return idx;
}

static double fmod_py(double a, double b) {
  double r = fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

static bool binary(DlOpKind k, const DlAttrs *a, const DlTensor *x, const DlTensor *y, DlTensor *out,
                   DlError *e) {
  int64_t n = dl_shape_numel(&out->shape);
  bool fl = dl_dtype_is_float(x->shape.dtype);
  for (int64_t i = 0; i < n; i++) {
    int64_t ia = bcast_index(&out->shape, &x->shape, i), ib = bcast_index(&out->shape, &y->shape, i);
    if (fl || k == DL_OP_POW) {
      double p = dl_tensor_get_f(x, ia), q = dl_tensor_get_f(y, ib), r = 0;
      switch (k) {
      case DL_OP_ADD: r = p + q; break;
      case DL_OP_SUB: r = p - q; break;
      case DL_OP_MUL: r = p * q; break;
      case DL_OP_DIV: r = p / q; break;
      case DL_OP_POW: r = pow(p, q); break;
      case DL_OP_MAX: r = isnan(p) || isnan(q) ? NAN : p > q ? p : q; break;
      case DL_OP_MIN: r = isnan(p) || isnan(q) ? NAN : p < q ? p : q; break;
      case DL_OP_MOD: r = dl_attrs_int(a, "fmod", 0) ? fmod(p, q) : fmod_py(p, q); break;
      case DL_OP_PRELU: r = p < 0 ? p * q : p; break;
      case DL_OP_EQUAL: r = p == q; break;
      case DL_OP_LESS: r = p < q; break;
      case DL_OP_LESS_EQUAL: r = p <= q; break;
      case DL_OP_GREATER: r = p > q; break;
      case DL_OP_GREATER_EQUAL: r = p >= q; break;
      default: return dl_error_set(e, "binary kernel: unsupported op");
      }
      if (fl && (k == DL_OP_ADD || k == DL_OP_SUB || k == DL_OP_MUL || k == DL_OP_DIV) &&
          out->shape.dtype == DL_F32)
        r = (float)r;
      if (k == DL_OP_POW && !dl_dtype_is_float(out->shape.dtype)) dl_tensor_set_i(out, i, (int64_t)r);
      else dl_tensor_set_f(out, i, r);
    } else {
      int64_t p = dl_tensor_get_i(x, ia), q = dl_tensor_get_i(y, ib), r = 0;
      switch (k) {
      case DL_OP_ADD: r = (int64_t)((uint64_t)p + (uint64_t)q); break;
      case DL_OP_SUB: r = (int64_t)((uint64_t)p - (uint64_t)q); break;
      case DL_OP_MUL: r = (int64_t)((uint64_t)p * (uint64_t)q); break;
      case DL_OP_DIV:
        if (q == 0) return dl_error_set(e, "integer division by zero");
        r = p / q;
        break;
      case DL_OP_MAX: r = p > q ? p : q; break;
      case DL_OP_MIN: r = p < q ? p : q; break;
      case DL_OP_MOD:
        if (q == 0) return dl_error_set(e, "integer modulo by zero");
        r = p % q;
        if (!dl_attrs_int(a, "fmod", 0) && r != 0 && ((r < 0) != (q < 0))) r += q;
        break;
      case DL_OP_PRELU: r = p < 0 ? p * q : p; break;
      case DL_OP_EQUAL: r = p == q; break;
      case DL_OP_LESS: r = p < q; break;
      case DL_OP_LESS_EQUAL: r = p <= q; break;
      case DL_OP_GREATER: r = p > q; break;
      case DL_OP_GREATER_EQUAL: r = p >= q; break;
      case DL_OP_AND: r = p && q; break;
      case DL_OP_OR: r = p || q; break;
      case DL_OP_XOR: r = (p != 0) != (q != 0); break;
      default: return dl_error_set(e, "binary kernel: unsupported op");
      }
      dl_tensor_set_i(out, i, r);
    }
  }
  return true;
}

static double gelu(double x, bool tanh_approx) {
  if (tanh_approx) return 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x / sqrt(2.0)));
}

static double round_half_even(double x) {
  double r = nearbyint(x); /* default rounding mode: to nearest, ties to even */
  return r;
}

static bool unary(DlOpKind k, const DlAttrs *a, const DlTensor *x, DlTensor *out, DlError *e) {
  int64_t n = dl_shape_numel(&out->shape);
  bool fl = dl_dtype_is_float(x->shape.dtype);
  double alpha = dl_attrs_float(a, "alpha", 0), beta = dl_attrs_float(a, "beta", 0);
  double lo = dl_attrs_float(a, "min", -INFINITY), hi = dl_attrs_float(a, "max", INFINITY);
  double gamma = dl_attrs_float(a, "gamma", 0);
  bool tanh_gelu = !strcmp(dl_attrs_str(a, "approximate", "none"), "tanh");
  for (int64_t i = 0; i < n; i++) {
    if (!fl) {
      int64_t v = dl_tensor_get_i(x, i), r;
      switch (k) {
      case DL_OP_NEG: r = -v; break;
      case DL_OP_ABS: r = v < 0 ? -v : v; break;
      case DL_OP_SIGN: r = (v > 0) - (v < 0); break;
      case DL_OP_NOT: r = !v; break;
      case DL_OP_RELU: r = v < 0 ? 0 : v; break;
      case DL_OP_CLIP: r = v < lo ? (int64_t)lo : v > hi ? (int64_t)hi : v; break;
      case DL_OP_CAST: r = v; break;
      default: return dl_error_set(e, "unary kernel: integer %s is not supported", dl_op_info(k)->mnemonic);
      }
      dl_tensor_set_i(out, i, r);
      continue;
    }
    double v = dl_tensor_get_f(x, i), r;
    switch (k) {
    case DL_OP_RELU: r = v < 0 ? 0 : v; break;
    case DL_OP_LEAKY_RELU: r = v < 0 ? alpha * v : v; break;
    case DL_OP_CLIP: r = v < lo ? lo : v > hi ? hi : v; break;
    case DL_OP_SIGMOID: r = 1 / (1 + exp(-v)); break;
    case DL_OP_HARD_SIGMOID: r = fmax(0, fmin(1, alpha * v + beta)); break;
    case DL_OP_HARD_SWISH: r = v * fmax(0, fmin(1, v / 6 + 0.5)); break;
    case DL_OP_TANH: r = tanh(v); break;
    case DL_OP_ERF: r = erf(v); break;
    case DL_OP_GELU: r = gelu(v, tanh_gelu); break;
    case DL_OP_ELU: r = v < 0 ? alpha * (exp(v) - 1) : v; break;
    case DL_OP_SELU: r = v <= 0 ? gamma * (alpha * exp(v) - alpha) : gamma * v; break;
    case DL_OP_CELU: r = fmax(0, v) + fmin(0, alpha * (exp(v / alpha) - 1)); break;
    case DL_OP_SOFTPLUS: r = log(exp(v) + 1); break;
    case DL_OP_SOFTSIGN: r = v / (1 + fabs(v)); break;
    case DL_OP_THRESHOLDED_RELU: r = v > alpha ? v : 0; break;
    case DL_OP_SQRT: r = sqrt(v); break;
    case DL_OP_EXP: r = exp(v); break;
    case DL_OP_LOG: r = log(v); break;
    case DL_OP_NEG: r = -v; break;
    case DL_OP_ABS: r = fabs(v); break;
    case DL_OP_RECIPROCAL: r = 1 / v; break;
    case DL_OP_FLOOR: r = floor(v); break;
    case DL_OP_CEIL: r = ceil(v); break;
    case DL_OP_ROUND: r = round_half_even(v); break;
    case DL_OP_SIGN: r = (v > 0) - (v < 0); break;
    case DL_OP_SIN: r = sin(v); break;
    case DL_OP_COS: r = cos(v); break;
    default: return dl_error_set(e, "unary kernel: unsupported op");
    }
    dl_tensor_set_f(out, i, r);
  }
  return true;
}

bool dl_kernel_cast(const DlTensor *in, DlTensor *out, DlError *e) {
  if (!out_alloc(out, e)) return false;
  int64_t n = dl_shape_numel(&out->shape);
  bool fin = dl_dtype_is_float(in->shape.dtype), fout = dl_dtype_is_float(out->shape.dtype);
  for (int64_t i = 0; i < n; i++) {
    if (fin || fout) dl_tensor_set_f(out, i, dl_tensor_get_f(in, i));
    else dl_tensor_set_i(out, i, dl_tensor_get_i(in, i));
  }
  return true;
}

/* Strides of a row-major shape. */
static void strides_of(const DlShape *s, int64_t *st) {
  int64_t acc = 1;
  for (int d = s->rank - 1; d >= 0; d--) st[d] = acc, acc *= s->dims[d];
}

static void unravel(const DlShape *s, int64_t i, int64_t *idx) {
  for (int d = s->rank - 1; d >= 0; d--) idx[d] = i % s->dims[d], i /= s->dims[d];
}

static void copy_el(DlTensor *out, int64_t oi, const DlTensor *in, int64_t ii) {
  size_t el = dl_dtype_size(out->shape.dtype);
  memcpy((char *)out->data + oi * (int64_t)el, (const char *)in->data + ii * (int64_t)el, el);
}

static bool transpose(const DlAttrs *a, const DlTensor *x, DlTensor *out) {
  int n;
  const int64_t *perm = dl_attrs_ints(a, "perm", &n);
  int64_t ist[DL_MAX_RANK], idx[DL_MAX_RANK], total = dl_shape_numel(&out->shape);
  strides_of(&x->shape, ist);
  for (int64_t i = 0; i < total; i++) {
    unravel(&out->shape, i, idx);
    int64_t src = 0;
    for (int d = 0; d < n; d++) src += idx[d] * ist[perm[d]];
    copy_el(out, i, x, src);
  }
  return true;
}

static bool slice(const DlAttrs *a, const DlTensor *x, DlTensor *out) {
  int n;
  const int64_t *st = dl_attrs_ints(a, "starts", &n), *ax = dl_attrs_ints(a, "axes", &n),
                *sp = dl_attrs_ints(a, "steps", &n);
  int64_t start[DL_MAX_RANK] = {0}, step[DL_MAX_RANK], ist[DL_MAX_RANK], idx[DL_MAX_RANK];
  for (int d = 0; d < x->shape.rank; d++) step[d] = 1;
  for (int i = 0; i < n; i++) start[ax[i]] = st[i], step[ax[i]] = sp[i];
  strides_of(&x->shape, ist);
  int64_t total = dl_shape_numel(&out->shape);
  for (int64_t i = 0; i < total; i++) {
    unravel(&out->shape, i, idx);
    int64_t src = 0;
    for (int d = 0; d < x->shape.rank; d++) src += (start[d] + idx[d] * step[d]) * ist[d];
    copy_el(out, i, x, src);
  }
  return true;
}

static bool gather(const DlAttrs *a, const DlTensor *x, const DlTensor *ind, DlTensor *out,
                   DlError *e) {
  int64_t axis = dl_attrs_int(a, "axis", 0);
  if (axis < 0) axis += x->shape.rank;
  int64_t outer = 1, inner = 1, d = x->shape.dims[axis], ni = dl_shape_numel(&ind->shape);
  for (int i = 0; i < axis; i++) outer *= x->shape.dims[i];
  for (int i = (int)axis + 1; i < x->shape.rank; i++) inner *= x->shape.dims[i];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < ni; j++) {
      int64_t g = dl_tensor_get_i(ind, j);
      if (g < 0) g += d;
      if (g < 0 || g >= d) return dl_error_set(e, "gather index %lld out of range [0, %lld)", (long long)g, (long long)d);
      for (int64_t in = 0; in < inner; in++)
        copy_el(out, (o * ni + j) * inner + in, x, (o * d + g) * inner + in);
    }
  return true;
}

static bool expand(const DlTensor *x, DlTensor *out) {
  int64_t total = dl_shape_numel(&out->shape);
  for (int64_t i = 0; i < total; i++) copy_el(out, i, x, bcast_index(&out->shape, &x->shape, i));
  return true;
}

static bool tile(const DlTensor *x, DlTensor *out) {
  int64_t ist[DL_MAX_RANK], idx[DL_MAX_RANK], total = dl_shape_numel(&out->shape);
  strides_of(&x->shape, ist);
  for (int64_t i = 0; i < total; i++) {
    unravel(&out->shape, i, idx);
    int64_t src = 0;
    for (int d = 0; d < x->shape.rank; d++) src += (idx[d] % x->shape.dims[d]) * ist[d];
    copy_el(out, i, x, src);
  }
  return true;
}

bool dl_kernel_concat(int axis, int nin, const DlTensor *in, DlTensor *out, DlError *e) {
  if (!out_alloc(out, e)) return false;
  int64_t outer = 1;
  for (int i = 0; i < axis; i++) outer *= out->shape.dims[i];
  size_t el = dl_dtype_size(out->shape.dtype);
  char *dst = out->data;
  for (int64_t o = 0; o < outer; o++)
    for (int j = 0; j < nin; j++) {
      size_t chunk = (size_t)(dl_shape_numel(&in[j].shape) / (outer ? outer : 1)) * el;
      memcpy(dst, (const char *)in[j].data + (size_t)o * chunk, chunk);
      dst += chunk;
    }
  return true;
}

static bool where(const DlTensor *c, const DlTensor *x, const DlTensor *y, DlTensor *out) {
  int64_t total = dl_shape_numel(&out->shape);
  for (int64_t i = 0; i < total; i++) {
    bool t = dl_tensor_get_i(c, bcast_index(&out->shape, &c->shape, i));
    const DlTensor *src = t ? x : y;
    copy_el(out, i, src, bcast_index(&out->shape, &src->shape, i));
  }
  return true;
}

static bool reduce(DlOpKind k, const DlAttrs *a, const DlTensor *x, DlTensor *out, DlError *e) {
  int n;
  const int64_t *axes = dl_attrs_ints(a, "axes", &n);
  bool red[DL_MAX_RANK] = {0};
  for (int i = 0; i < n; i++) red[axes[i] < 0 ? axes[i] + x->shape.rank : axes[i]] = true;
  int64_t total = dl_shape_numel(&out->shape), nin = dl_shape_numel(&x->shape);
  double *acc = malloc(sizeof(double) * (size_t)(total ? total : 1));
  int64_t *cnt = calloc((size_t)(total ? total : 1), sizeof(int64_t));
  double init = k == DL_OP_REDUCE_MAX ? -INFINITY : k == DL_OP_REDUCE_MIN ? INFINITY : k == DL_OP_REDUCE_PROD ? 1 : 0;
  for (int64_t i = 0; i < total; i++) acc[i] = init;
  /* output strides over the kept dims */
  int64_t ost[DL_MAX_RANK], idx[DL_MAX_RANK], s = 1;
  for (int d = x->shape.rank - 1; d >= 0; d--) {
    ost[d] = red[d] ? 0 : s;
    if (!red[d]) s *= x->shape.dims[d];
  }
  for (int64_t i = 0; i < nin; i++) {
    unravel(&x->shape, i, idx);
    int64_t o = 0;
    for (int d = 0; d < x->shape.rank; d++) o += idx[d] * ost[d];
    double v = dl_tensor_get_f(x, i);
    switch (k) {
    case DL_OP_REDUCE_MAX: acc[o] = v > acc[o] ? v : acc[o]; break;
    case DL_OP_REDUCE_MIN: acc[o] = v < acc[o] ? v : acc[o]; break;
    case DL_OP_REDUCE_PROD: acc[o] *= v; break;
    case DL_OP_REDUCE_L1: acc[o] += fabs(v); break;
    case DL_OP_REDUCE_L2: case DL_OP_REDUCE_SUM_SQUARE: acc[o] += v * v; break;
    case DL_OP_REDUCE_LOG_SUM_EXP: acc[o] += exp(v); break;
    default: acc[o] += v; break;
    }
    cnt[o]++;
  }
  bool integer = !dl_dtype_is_float(out->shape.dtype);
  for (int64_t i = 0; i < total; i++) {
    double r = acc[i];
    if (k == DL_OP_REDUCE_MEAN) r = cnt[i] ? r / (double)cnt[i] : NAN;
    if (k == DL_OP_REDUCE_L2) r = sqrt(r);
    if (k == DL_OP_REDUCE_LOG_SUM_EXP) r = log(r);
    if (integer && k == DL_OP_REDUCE_MEAN) r = trunc(r);
    dl_tensor_set_f(out, i, r);
  }
  free(acc);
  free(cnt);
  (void)e;
  return true;
}

static bool pad(const DlAttrs *a, const DlTensor *x, DlTensor *out, DlError *e) {
  int n, r = x->shape.rank;
  const int64_t *p = dl_attrs_ints(a, "pads", &n);
  const char *mode = dl_attrs_str(a, "mode", "constant");
  double value = dl_attrs_float(a, "value", 0);
  int64_t ist[DL_MAX_RANK], idx[DL_MAX_RANK], total = dl_shape_numel(&out->shape);
  strides_of(&x->shape, ist);
  for (int64_t i = 0; i < total; i++) {
    unravel(&out->shape, i, idx);
    int64_t src = 0;
    bool outside = false;
    for (int d = 0; d < r; d++) {
      int64_t c = idx[d] - p[d], dim = x->shape.dims[d];
      if (c < 0 || c >= dim) {
        if (!strcmp(mode, "constant") || dim == 0) { outside = true; break; }
        if (!strcmp(mode, "edge")) c = c < 0 ? 0 : dim - 1;
        else if (!strcmp(mode, "wrap")) c = ((c % dim) + dim) % dim;
        else { /* reflect */
          if (dim == 1) c = 0;
          else {
            int64_t period = 2 * (dim - 1);
            c = ((c % period) + period) % period;
            if (c >= dim) c = period - c;
          }
        }
      }
      src += c * ist[d];
    }
    if (outside) dl_tensor_set_f(out, i, value);
    else copy_el(out, i, x, src);
  }
  (void)e;
  return true;
}

bool dl_kernel_has(DlOpKind k) {
  switch (k) {
  case DL_OP_ADD: case DL_OP_SUB: case DL_OP_MUL: case DL_OP_DIV: case DL_OP_POW:
  case DL_OP_MAX: case DL_OP_MIN: case DL_OP_MOD: case DL_OP_EQUAL: case DL_OP_LESS:
  case DL_OP_LESS_EQUAL: case DL_OP_GREATER: case DL_OP_GREATER_EQUAL: case DL_OP_AND:
  case DL_OP_OR: case DL_OP_XOR: case DL_OP_WHERE: case DL_OP_PRELU:
  case DL_OP_RELU: case DL_OP_LEAKY_RELU: case DL_OP_CLIP: case DL_OP_SIGMOID:
  case DL_OP_HARD_SIGMOID: case DL_OP_HARD_SWISH: case DL_OP_TANH: case DL_OP_ERF:
  case DL_OP_GELU: case DL_OP_ELU: case DL_OP_SELU: case DL_OP_CELU: case DL_OP_SOFTPLUS:
  case DL_OP_SOFTSIGN: case DL_OP_THRESHOLDED_RELU: case DL_OP_SQRT: case DL_OP_EXP:
  case DL_OP_LOG: case DL_OP_NEG: case DL_OP_ABS: case DL_OP_RECIPROCAL: case DL_OP_FLOOR:
  case DL_OP_CEIL: case DL_OP_ROUND: case DL_OP_SIGN: case DL_OP_SIN: case DL_OP_COS:
  case DL_OP_NOT: case DL_OP_CAST: case DL_OP_RESHAPE: case DL_OP_TRANSPOSE: case DL_OP_SLICE:
  case DL_OP_GATHER: case DL_OP_EXPAND: case DL_OP_TILE: case DL_OP_PAD:
  case DL_OP_REDUCE_MEAN: case DL_OP_REDUCE_MAX: case DL_OP_REDUCE_MIN: case DL_OP_REDUCE_SUM:
  case DL_OP_REDUCE_PROD: case DL_OP_REDUCE_L1: case DL_OP_REDUCE_L2:
  case DL_OP_REDUCE_SUM_SQUARE: case DL_OP_REDUCE_LOG_SUM_EXP:
    return true;
  default: return false;
  }
}

bool dl_kernel_eval(DlOpKind k, const DlAttrs *a, int nin, const DlTensor *in, DlTensor *out,
                    DlError *e) {
  if (!dl_kernel_has(k)) return dl_error_set(e, "no kernel for qg.%s", dl_op_info(k)->mnemonic);
  if (!out_alloc(out, e)) return false;
  switch (k) {
  case DL_OP_WHERE: return where(&in[0], &in[1], &in[2], out);
  case DL_OP_CAST: return dl_kernel_cast(&in[0], out, e);
  case DL_OP_RESHAPE: memcpy(out->data, in[0].data, dl_tensor_bytes(out)); return true;
  case DL_OP_TRANSPOSE: return transpose(a, &in[0], out);
  case DL_OP_SLICE: return slice(a, &in[0], out);
  case DL_OP_GATHER: return gather(a, &in[0], &in[1], out, e);
  case DL_OP_EXPAND: return expand(&in[0], out);
  case DL_OP_TILE: return tile(&in[0], out);
  case DL_OP_PAD: return pad(a, &in[0], out, e);
  case DL_OP_REDUCE_MEAN: case DL_OP_REDUCE_MAX: case DL_OP_REDUCE_MIN: case DL_OP_REDUCE_SUM:
  case DL_OP_REDUCE_PROD: case DL_OP_REDUCE_L1: case DL_OP_REDUCE_L2:
  case DL_OP_REDUCE_SUM_SQUARE: case DL_OP_REDUCE_LOG_SUM_EXP:
    return reduce(k, a, &in[0], out, e);
  default: break;
  }
  if (nin == 2) return binary(k, a, &in[0], &in[1], out, e);
  return unary(k, a, &in[0], out, e);
}
