#include "dlc/tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dlc/tensor_file.h"

static const struct {
  const char *name;
  size_t bytes;
  int onnx;
} dtypes[] = {
    [DL_NONE] = {"none", 0, 0},
#define X(id, n, b, o) [DL_##id] = {n, b, o},
    DL_DTYPES(X)
#undef X
};

size_t dl_dtype_size(DlDType t) { return t < DL_DTYPE_COUNT ? dtypes[t].bytes : 0; }
const char *dl_dtype_name(DlDType t) { return t < DL_DTYPE_COUNT ? dtypes[t].name : "?"; }
int dl_dtype_to_onnx(DlDType t) { return t < DL_DTYPE_COUNT ? dtypes[t].onnx : 0; }

DlDType dl_dtype_from_onnx(int onnx_type) {
  for (int t = 1; t < DL_DTYPE_COUNT; t++)
    if (dtypes[t].onnx == onnx_type) return (DlDType)t;
  return DL_NONE;
}

bool dl_dtype_is_float(DlDType t) {
  return t == DL_F32 || t == DL_F64 || t == DL_F16 || t == DL_BF16;
}

bool dl_dtype_is_signed(DlDType t) {
  return dl_dtype_is_float(t) || t == DL_I8 || t == DL_I16 || t == DL_I32 || t == DL_I64;
}

int64_t dl_shape_numel(const DlShape *s) {
  int64_t n = 1;
  bool over = false;
  for (int i = 0; i < s->rank; i++) {
    if (s->dims[i] == 0) return 0;
    over |= __builtin_mul_overflow(n, s->dims[i], &n);
  }
  return over ? INT64_MAX : n;
}

bool dl_shape_bytes(const DlShape *s, size_t *bytes) {
  int64_t n = (int64_t)dl_dtype_size(s->dtype);
  for (int i = 0; i < s->rank; i++)
    if (s->dims[i] < 0) return false;
  if (dl_shape_numel(s) == 0) n = 0;
  for (int i = 0; i < s->rank && n; i++)
    if (__builtin_mul_overflow(n, s->dims[i], &n)) return false;
  *bytes = (size_t)n;
  return true;
}

bool dl_shape_holds_samples(const DlShape *data, const DlShape *in) {
  if (data->rank < 1) return false;
  for (int skip = 0; skip <= (in->rank > 0); skip++) {
    bool ok = data->rank - 1 == in->rank - skip;
    for (int d = 1; ok && d < data->rank; d++) ok = data->dims[d] == in->dims[d - 1 + skip];
    if (ok) return true;
  }
  return false;
}

bool dl_shape_equal(const DlShape *a, const DlShape *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

char *dl_shape_str(const DlShape *s, char *buf, size_t n) {
  size_t off = 0;
  buf[0] = 0;
  for (int i = 0; i < s->rank && off < n; i++)
    off += snprintf(buf + off, n - off, "%lldx", (long long)s->dims[i]);
  if (off < n) snprintf(buf + off, n - off, "%s", dl_dtype_name(s->dtype));
  return buf;
}

bool dl_tensor_alloc(DlTensor *t, const DlShape *s) {
  size_t el = dl_dtype_size(s->dtype);
  int64_t n = 1;
  for (int i = 0; i < s->rank; i++) {
    if (s->dims[i] < 0 || (s->dims[i] && n > INT64_MAX / 16 / s->dims[i])) return false;
    n *= s->dims[i];
  }
  t->shape = *s;
  t->data = calloc(n ? (size_t)n : 1, el ? el : 1);
  t->owned = true;
  t->mapped = false;
  t->file = NULL;
  return t->data != NULL;
}

/* A mapped tensor's data may start inside its first page (a .npy header). */
static char *map_base(const DlTensor *t) {
  return (char *)((uintptr_t)t->data & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1));
}

void dl_tensor_free(DlTensor *t) {
  if (t->owned && t->mapped) {
    char *b = map_base(t);
    munmap(b, dl_tensor_bytes(t) + (size_t)((char *)t->data - b) + 1);
  } else if (t->owned) free(t->data);
  if (t->owned && t->file) close(t->file->fd), free(t->file);
  t->data = NULL;
  t->file = NULL;
  t->owned = t->mapped = false;
}

const void *dl_tensor_span(const DlTensor *t, int64_t first, int64_t n, void *buf, DlError *e) {
  size_t es = dl_dtype_size(t->shape.dtype);
  if (t->data) return (const char *)t->data + (size_t)first * es;
  size_t want = (size_t)n * es, got = 0;
  off_t at = (off_t)(t->file->off + (uint64_t)first * es);
  while (got < want) {
    ssize_t r = pread(t->file->fd, (char *)buf + got, want - got, at + (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return dl_error_set(e, "cannot read elements %lld..%lld: %s", (long long)first, (long long)(first + n),
                          r < 0 ? strerror(errno) : "the file is shorter than its header says"),
             NULL;
    got += (size_t)r;
  }
  return buf;
}

#define EVICT_BLOCK ((size_t)4 << 20)

void dl_tensor_evict(const DlTensor *t, int64_t from, int64_t to) {
  if (!t->owned || !t->mapped || !t->data || to <= from) return;
  char *b = map_base(t);
  size_t es = dl_dtype_size(t->shape.dtype), head = (size_t)((char *)t->data - b);
  size_t lo = (head + (size_t)from * es) / EVICT_BLOCK * EVICT_BLOCK, hi = (head + (size_t)to * es) / EVICT_BLOCK * EVICT_BLOCK;
  if (hi > lo) madvise(b + lo, hi - lo, MADV_DONTNEED); /* read-only private pages: dropped, not written */
}

size_t dl_tensor_bytes(const DlTensor *t) {
  return (size_t)dl_shape_numel(&t->shape) * dl_dtype_size(t->shape.dtype);
}

float dl_f16_to_f32(uint16_t h) {
  uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, u;
  if (e == 0) {
    if (m == 0) u = s;
    else { /* subnormal */
      float f = ldexpf((float)m, -24);
      return s ? -f : f;
    }
  } else if (e == 31) u = s | 0x7f800000 | (m << 13);
  else u = s | ((e + 112) << 23) | (m << 13);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

uint16_t dl_f32_to_f16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  uint32_t s = (u >> 16) & 0x8000;
  int32_t e = (int32_t)((u >> 23) & 0xff) - 127 + 15;
  uint32_t m = u & 0x7fffff;
  if (((u >> 23) & 0xff) == 0xff) return (uint16_t)(s | 0x7c00 | (m ? 0x200 : 0));
  if (e >= 31) return (uint16_t)(s | 0x7c00);
  if (e <= 0) {
    if (e < -10) return (uint16_t)s;
    m |= 0x800000;
    uint32_t shift = (uint32_t)(14 - e), half = 1u << (shift - 1);
    uint32_t r = m >> shift, rem = m & ((1u << shift) - 1);
    if (rem > half || (rem == half && (r & 1))) r++;
    return (uint16_t)(s | r);
  }
  uint32_t r = ((uint32_t)e << 10) | (m >> 13), rem = m & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (r & 1))) r++;
  return (uint16_t)(s | r);
}

float dl_bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

uint16_t dl_f32_to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1);
  return (uint16_t)(u >> 16);
}

double dl_tensor_get_f(const DlTensor *t, int64_t i) {
  const void *p = t->data;
  switch (t->shape.dtype) {
  case DL_F32: return ((const float *)p)[i];
  case DL_F64: return ((const double *)p)[i];
  case DL_F16: return dl_f16_to_f32(((const uint16_t *)p)[i]);
  case DL_BF16: return dl_bf16_to_f32(((const uint16_t *)p)[i]);
  case DL_U64: return (double)((const uint64_t *)p)[i];
  default: return (double)dl_tensor_get_i(t, i);
  }
}

int64_t dl_tensor_get_i(const DlTensor *t, int64_t i) {
  const void *p = t->data;
  switch (t->shape.dtype) {
  case DL_I8: return ((const int8_t *)p)[i];
  case DL_U8: return ((const uint8_t *)p)[i];
  case DL_BOOL: return ((const uint8_t *)p)[i] != 0;
  case DL_I16: return ((const int16_t *)p)[i];
  case DL_U16: return ((const uint16_t *)p)[i];
  case DL_I32: return ((const int32_t *)p)[i];
  case DL_U32: return ((const uint32_t *)p)[i];
  case DL_I64: return ((const int64_t *)p)[i];
  case DL_U64: return (int64_t)((const uint64_t *)p)[i];
  default: {
    double v = dl_tensor_get_f(t, i);
    if (isnan(v)) return 0;
    if (v >= 9.2e18) return INT64_MAX;
    if (v <= -9.2e18) return INT64_MIN;
    return (int64_t)v;
  }
  }
}

void dl_tensor_set_f(DlTensor *t, int64_t i, double v) {
  void *p = t->data;
  switch (t->shape.dtype) {
  case DL_F32: ((float *)p)[i] = (float)v; return;
  case DL_F64: ((double *)p)[i] = v; return;
  case DL_F16: ((uint16_t *)p)[i] = dl_f32_to_f16((float)v); return;
  case DL_BF16: ((uint16_t *)p)[i] = dl_f32_to_bf16((float)v); return;
  case DL_BOOL: ((uint8_t *)p)[i] = v != 0; return;
  default: {
    /* float -> int conversion truncates toward zero, as ONNX Cast does */
    int64_t iv = isnan(v) ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
    dl_tensor_set_i(t, i, iv);
  }
  }
}

void dl_tensor_set_i(DlTensor *t, int64_t i, int64_t v) {
  void *p = t->data;
  switch (t->shape.dtype) {
  case DL_I8: ((int8_t *)p)[i] = (int8_t)v; return;
  case DL_U8: ((uint8_t *)p)[i] = (uint8_t)v; return;
  case DL_BOOL: ((uint8_t *)p)[i] = v != 0; return;
  case DL_I16: ((int16_t *)p)[i] = (int16_t)v; return;
  case DL_U16: ((uint16_t *)p)[i] = (uint16_t)v; return;
  case DL_I32: ((int32_t *)p)[i] = (int32_t)v; return;
  case DL_U32: ((uint32_t *)p)[i] = (uint32_t)v; return;
  case DL_I64: ((int64_t *)p)[i] = v; return;
  case DL_U64: ((uint64_t *)p)[i] = (uint64_t)v; return;
  default: dl_tensor_set_f(t, i, (double)v);
  }
}
