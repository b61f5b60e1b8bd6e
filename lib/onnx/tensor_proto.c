/* TensorProto -> DlTensor without copying when the protobuf buffer can be
 * taken over (raw_data, float_data, int64_data, double_data): the buffer is
 * moved out of the message so freeing the message leaves it alone. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_internal.h"

static bool fail(Imp *im, const char *what, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return dl_error_set(im->e, "%s: %s", what, buf);
}

static bool read_external(Imp *im, Onnx__TensorProto *tp, DlTensor *t, size_t bytes,
                          const char *what) {
  const char *loc = NULL;
  int64_t off = 0, len = -1;
  for (size_t i = 0; i < tp->n_external_data; i++) {
    const char *k = tp->external_data[i]->key, *v = tp->external_data[i]->value;
    if (!k || !v) continue;
    if (!strcmp(k, "location")) loc = v;
    else if (!strcmp(k, "offset")) off = strtoll(v, NULL, 10);
    else if (!strcmp(k, "length")) len = strtoll(v, NULL, 10);
  }
  if (!loc || !*loc) return fail(im, what, "external data has no location");
  if (loc[0] == '/' || strstr(loc, ".."))
    return fail(im, what, "external data location '%s' must be a relative path inside the model's folder", loc);
  if (off < 0 || (len >= 0 && (size_t)len != bytes))
    return fail(im, what, "external data length %lld does not match the %zu bytes of its shape",
                (long long)len, bytes);
  char path[4096], real[PATH_MAX], dir[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", im->dir, loc);
  if (!realpath(path, real)) return fail(im, what, "cannot open external data file '%s': %s", path, strerror(errno));
  /* a symlink in the folder must not reach outside it (no "../" either way) */
  size_t dn = realpath(im->dir, dir) ? strlen(dir) : 0;
  if (!dn || strncmp(real, dir, dn) || (real[dn] != '/' && dir[dn - 1] != '/'))
    return fail(im, what, "external data location '%s' resolves to '%s', outside the model's folder '%s'", loc, real,
                dn ? dir : im->dir);
  int fd = open(real, O_RDONLY | O_NOFOLLOW);
  if (fd < 0) return fail(im, what, "cannot open external data file '%s': %s", path, strerror(errno));
  if (im->opt && im->opt->on_file_read) im->opt->on_file_read(path, im->opt->user);
  void *buf = malloc(bytes ? bytes : 1);
  size_t got = 0;
  while (buf && got < bytes) {
    ssize_t r = pread(fd, (char *)buf + got, bytes - got, off + (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf || got != bytes) {
    free(buf);
    return fail(im, what, "external data file '%s' is shorter than offset %lld + %zu bytes", path,
                (long long)off, bytes);
  }
  t->data = buf;
  t->owned = true;
  return true;
}

bool dl_onnx_tensor_decode(Imp *im, Onnx__TensorProto *tp, DlTensor *t, const char *what) {
  memset(t, 0, sizeof *t);
  DlShape s = {0};
  if (tp->n_dims > DL_MAX_RANK) return fail(im, what, "rank %zu exceeds %d", tp->n_dims, DL_MAX_RANK);
  s.rank = (int)tp->n_dims;
  int64_t n = 1;
  for (int i = 0; i < s.rank; i++) {
    int64_t d = tp->dims[i];
    if (d < 0) return fail(im, what, "dimension %d is negative (%lld)", i, (long long)d);
    if (d > 0 && n > ((int64_t)1 << 40) / d) return fail(im, what, "shape is too large");
    s.dims[i] = d;
    n *= d;
  }
  s.dtype = dl_dtype_from_onnx(tp->data_type);
  if (s.dtype == DL_NONE) return fail(im, what, "unsupported tensor data type %d", tp->data_type);
  t->shape = s;
  size_t el = dl_dtype_size(s.dtype), bytes = (size_t)n * el;

  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return read_external(im, tp, t, bytes, what);
  /* The main graph's payloads are moved out of the protobuf (no copy); a
   * subgraph's are copied, since a loop body is decoded once per iteration. */
  bool copy = im->depth > 0;
  if (tp->has_raw_data) {
    if (tp->raw_data.len != bytes)
      return fail(im, what, "raw_data has %zu bytes, shape needs %zu", tp->raw_data.len, bytes);
    if (copy) {
      if (!dl_tensor_alloc(t, &s)) return fail(im, what, "out of memory");
      if (bytes) memcpy(t->data, tp->raw_data.data, bytes);
      return true;
    }
    t->data = tp->raw_data.data;
    t->owned = true;
    tp->raw_data.data = NULL, tp->raw_data.len = 0, tp->has_raw_data = 0;
    if (!t->data) t->data = malloc(1);
    return true;
  }
  size_t have = 0;
  switch (s.dtype) {
  case DL_F32: have = tp->n_float_data; break;
  case DL_F64: have = tp->n_double_data; break;
  case DL_I64: have = tp->n_int64_data; break;
  case DL_U32: case DL_U64: have = tp->n_uint64_data; break;
  default: have = tp->n_int32_data; break;
  }
  if (have != (size_t)n)
    return fail(im, what, "has %zu stored values, shape needs %lld", have, (long long)n);
  if (!copy && (s.dtype == DL_F32 || s.dtype == DL_F64 || s.dtype == DL_I64 || s.dtype == DL_U64)) {
    void **field = s.dtype == DL_F32   ? (void **)&tp->float_data
                   : s.dtype == DL_F64 ? (void **)&tp->double_data
                   : s.dtype == DL_I64 ? (void **)&tp->int64_data
                                       : (void **)&tp->uint64_data;
    t->data = *field ? *field : malloc(1);
    t->owned = true;
    *field = NULL;
    if (s.dtype == DL_F32) tp->n_float_data = 0;
    else if (s.dtype == DL_F64) tp->n_double_data = 0;
    else if (s.dtype == DL_I64) tp->n_int64_data = 0;
    else tp->n_uint64_data = 0;
    return true;
  }
  if (!dl_tensor_alloc(t, &s)) return fail(im, what, "out of memory");
  for (int64_t i = 0; i < n; i++) {
    switch (s.dtype) {
    case DL_F32: ((float *)t->data)[i] = tp->float_data[i]; break;
    case DL_F64: ((double *)t->data)[i] = tp->double_data[i]; break;
    case DL_I64: ((int64_t *)t->data)[i] = tp->int64_data[i]; break;
    case DL_U64: ((uint64_t *)t->data)[i] = tp->uint64_data[i]; break;
    case DL_U32: ((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i]; break;
    case DL_F16: case DL_BF16: ((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i]; break;
    default: dl_tensor_set_i(t, i, tp->int32_data[i]); break;
    }
  }
  return true;
}
