#include "dlc/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlc/support.h"
#include "dlc/tensor_file.h"

static const struct {
  const char *descr;
  DlDType t;
} descrs[] = {
    {"<f4", DL_F32}, {"<f8", DL_F64}, {"<f2", DL_F16}, {"|u1", DL_U8}, {"|i1", DL_I8},
    {"<u1", DL_U8},  {"<i1", DL_I8},  {"|b1", DL_BOOL}, {"<i2", DL_I16}, {"<u2", DL_U16},
    {"<i4", DL_I32}, {"<u4", DL_U32}, {"<i8", DL_I64}, {"<u8", DL_U64},
};

/* Finds 'key': in the header dict and returns a pointer after the colon. */
static const char *dict_value(const char *h, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) return NULL;
  p = strchr(p + strlen(pat), ':');
  if (!p) return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

/* The header of a .npy image whose first len bytes are b: the array's shape
 * and where its data begins (*off). */
static bool parse_header(const unsigned char *b, size_t len, DlShape *s, size_t *data_off, DlError *e) {
  memset(s, 0, sizeof *s);
  if (len < 10 || memcmp(b, "\x93NUMPY", 6)) return dl_error_set(e, "not a .npy file (bad magic)");
  size_t hlen, off;
  if (b[6] == 1) hlen = b[8] | (size_t)b[9] << 8, off = 10;
  else if (b[6] == 2 || b[6] == 3) {
    if (len < 12) return dl_error_set(e, "truncated .npy header");
    hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24, off = 12;
  } else return dl_error_set(e, "unsupported .npy version %d", b[6]);
  if (off + hlen > len || hlen > 65536) return dl_error_set(e, "truncated .npy header");
  char *h = malloc(hlen + 1);
  memcpy(h, b + off, hlen);
  h[hlen] = 0;
  bool ok = false;
  const char *d = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order"), *sh = dict_value(h, "shape");
  if (!d || !fo || !sh || *sh != '(') {
    dl_error_set(e, ".npy header lacks descr, fortran_order or shape");
    goto cleanup;
  }
  if (!strncmp(fo, "True", 4)) {
    dl_error_set(e, "Fortran-order .npy arrays are not supported (save with C order)");
    goto cleanup;
  }
  /* a quoted three-letter code: the header may end right after "'descr':" */
  for (size_t i = 0; i < sizeof descrs / sizeof descrs[0] && !s->dtype && strnlen(d, 5) == 5; i++)
    if (!strncmp(d + 1, descrs[i].descr, 3) && d[4] == d[0]) s->dtype = descrs[i].t;
  if (!s->dtype) {
    dl_error_set(e, "unsupported .npy dtype %.8s", d);
    goto cleanup;
  }
  for (const char *p = sh + 1; *p && *p != ')';) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 0 || s->rank == DL_MAX_RANK) {
      dl_error_set(e, "bad .npy shape");
      goto cleanup;
    }
    s->dims[s->rank++] = v;
    p = end;
  }
  *data_off = off + hlen;
  ok = true;
cleanup:
  free(h);
  return ok;
}

/* Whether `have` bytes after the header hold exactly an array of shape s. */
static bool check_size(const DlShape *s, uint64_t have, size_t *want, DlError *e) {
  if (!dl_shape_bytes(s, want)) {
    char str[200];
    return dl_error_set(e, ".npy shape %s is too large (its size overflows 64 bits)", dl_shape_str(s, str, sizeof str));
  }
  if (have < *want)
    return dl_error_set(e, ".npy data is truncated: %llu bytes for a shape needing %zu", (unsigned long long)have, *want);
  if (have > *want) /* several arrays appended, or something else after the array */
    return dl_error_set(e, ".npy file has %llu bytes after its data (the shape needs %zu): one array per file",
                        (unsigned long long)(have - *want), *want);
  return true;
}

bool dl_npy_parse(const void *buf, size_t len, DlTensor *t, DlError *e) {
  memset(t, 0, sizeof *t);
  DlShape s;
  size_t off, want;
  if (!parse_header(buf, len, &s, &off, e) || !check_size(&s, len - off, &want, e)) return false;
  if (!dl_tensor_alloc(t, &s)) return dl_error_set(e, "out of memory");
  memcpy(t->data, (const char *)buf + off, want);
  return true;
}

static bool pread_all(int fd, void *buf, size_t n, uint64_t at, size_t *got) {
  *got = 0;
  while (*got < n) {
    ssize_t r = pread(fd, (char *)buf + *got, n - *got, (off_t)(at + *got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) break;
    *got += (size_t)r;
  }
  return true;
}

/* A regular file's array: mapped read-only where the system allows (its
 * pages read when touched), else, when `stream`, left in the file for
 * dl_tensor_span, else read into memory in chunks. Other files (pipes) are
 * read whole. */
static bool load(const char *path, DlTensor *t, bool stream, bool *named, DlError *e) {
  memset(t, 0, sizeof *t);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    char *buf;
    size_t len;
    if (!dl_read_file(path, &buf, &len, e)) return *named = true, false; /* its message names the file */
    bool ok = dl_npy_parse(buf, len, t, e);
    free(buf);
    return ok;
  }
  unsigned char head[65536 + 12];
  size_t got, off, want;
  DlShape s;
  bool ok = pread_all(fd, head, sizeof head, 0, &got) || dl_error_set(e, "cannot read: %s", strerror(errno));
  ok = ok && parse_header(head, got, &s, &off, e) && check_size(&s, (uint64_t)st.st_size - off, &want, e);
  if (!ok) return close(fd), false;
  size_t page = (size_t)sysconf(_SC_PAGESIZE), skip = off % page;
  void *map = want ? mmap(NULL, want + skip, PROT_READ, MAP_PRIVATE, fd, (off_t)(off - skip)) : MAP_FAILED;
  if (map != MAP_FAILED) {
    madvise(map, want + skip, MADV_SEQUENTIAL);
    close(fd);
    *t = (DlTensor){.shape = s, .data = (char *)map + skip, .owned = true, .mapped = true};
    return true;
  }
  if (stream && want) {
    DlTensorFile *f = malloc(sizeof *f);
    *f = (DlTensorFile){fd, off};
    *t = (DlTensor){.shape = s, .owned = true, .file = f};
    return true;
  }
  if (!dl_tensor_alloc(t, &s)) return close(fd), dl_error_set(e, "out of memory (%zu bytes)", want);
  ok = pread_all(fd, t->data, want, off, &got) && got == want;
  if (!ok) dl_error_set(e, "cannot read: %s", got < want ? "the file shrank" : strerror(errno)), dl_tensor_free(t);
  close(fd);
  return ok;
}

static bool load_named(const char *path, DlTensor *t, bool stream, DlError *e) {
  bool named = false;
  if (load(path, t, stream, &named, e)) return true;
  if (named) return false;
  char *m = e->msg;
  e->msg = NULL;
  dl_error_set(e, "%s: %s", path, m);
  free(m);
  return false;
}

bool dl_npy_read(const char *path, DlTensor *t, DlError *e) { return load_named(path, t, false, e); }
bool dl_npy_open(const char *path, DlTensor *t, DlError *e) { return load_named(path, t, true, e); }

bool dl_npy_write(const char *path, const DlTensor *t, DlError *e) {
  const char *descr = NULL;
  for (size_t i = 0; i < sizeof descrs / sizeof descrs[0] && !descr; i++)
    if (descrs[i].t == t->shape.dtype) descr = descrs[i].descr;
  if (!descr) return dl_error_set(e, "cannot write %s as .npy", dl_dtype_name(t->shape.dtype));
  char hdr[512], shape[256] = "";
  size_t so = 0;
  for (int i = 0; i < t->shape.rank; i++)
    so += (size_t)snprintf(shape + so, sizeof shape - so, "%lld,%s", (long long)t->shape.dims[i],
                           i + 1 < t->shape.rank ? " " : "");
  if (t->shape.rank > 1) shape[so - 1] = 0; /* "(2, 3)" not "(2, 3,)" */
  int n = snprintf(hdr + 10, sizeof hdr - 10, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                   descr, shape);
  size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
  memset(hdr + 10 + n, ' ', pad);
  hdr[10 + n + pad] = '\n';
  size_t hlen = (size_t)n + pad + 1;
  memcpy(hdr, "\x93NUMPY\x01\x00", 8);
  hdr[8] = (char)(hlen & 0xff), hdr[9] = (char)(hlen >> 8);
  size_t bytes = dl_tensor_bytes(t);
  char *buf = malloc(10 + hlen + bytes);
  memcpy(buf, hdr, 10 + hlen);
  memcpy(buf + 10 + hlen, t->data, bytes);
  bool ok = dl_write_file_atomic(path, buf, 10 + hlen + bytes, e);
  free(buf);
  return ok;
}

bool dl_npy_read_labels(const char *path, int64_t n, const char *per, DlTensor *t, DlError *e) {
  DlTensor lab = {0};
  if (!dl_npy_read(path, &lab, e)) return false;
  const DlShape *s = &lab.shape;
  char ls[128];
  bool lint = !dl_dtype_is_float(s->dtype) && s->dtype != DL_BOOL;
  if (!lint || !(s->rank == 1 || (s->rank == 2 && s->dims[1] == 1)) || s->dims[0] != n) {
    dl_error_set(e, "%s: labels of shape %s; expected %lld integer class indices (int64 [%lld], one per %s)", path,
                 dl_shape_str(s, ls, sizeof ls), (long long)n, (long long)n, per);
    return dl_tensor_free(&lab), false;
  }
  DlShape is = {DL_I64, 1, {n}};
  bool ok = dl_tensor_alloc(t, &is) || dl_error_set(e, "%s: out of memory", path);
  for (int64_t i = 0; ok && i < n; i++) ((int64_t *)t->data)[i] = dl_tensor_get_i(&lab, i);
  dl_tensor_free(&lab);
  return ok;
}
