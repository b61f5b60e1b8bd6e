#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"

void dl_buf_append(DlBuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    b->data = realloc(b->data, cap);
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, s, n); /* s may be NULL when n is 0 (an empty buffer appended) */
  b->len += n;
  b->data[b->len] = 0;
}

void dl_buf_printf(DlBuf *b, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    dl_buf_append(b, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  dl_buf_append(b, big, (size_t)n);
  free(big);
}

void dl_buf_free(DlBuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void dl_buf_put_u32(DlBuf *b, uint32_t v) {
  char c[4] = {(char)v, (char)(v >> 8), (char)(v >> 16), (char)(v >> 24)};
  dl_buf_append(b, c, 4);
}

void dl_buf_put_u64(DlBuf *b, uint64_t v) {
  dl_buf_put_u32(b, (uint32_t)v);
  dl_buf_put_u32(b, (uint32_t)(v >> 32));
}

void dl_buf_put_f64(DlBuf *b, double d) {
  uint64_t v;
  memcpy(&v, &d, 8);
  dl_buf_put_u64(b, v);
}

const void *dl_read_bytes(DlReader *r, size_t n) {
  if (r->bad || r->len - r->at < n) {
    r->bad = true;
    return NULL;
  }
  r->at += n;
  return r->p + r->at - n;
}

static uint64_t read_le(DlReader *r, int n) {
  const unsigned char *p = dl_read_bytes(r, (size_t)n);
  uint64_t v = 0;
  for (int i = 0; p && i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

uint32_t dl_read_u32(DlReader *r) { return (uint32_t)read_le(r, 4); }
uint64_t dl_read_u64(DlReader *r) { return read_le(r, 8); }

double dl_read_f64(DlReader *r) {
  uint64_t v = read_le(r, 8);
  double d;
  memcpy(&d, &v, 8);
  return d;
}

void dl_json_write_str(FILE *f, const char *v) {
  fputc('"', f);
  for (; *v; v++) {
    if (*v == '"' || *v == '\\') fputc('\\', f);
    if ((unsigned char)*v >= 0x20) fputc(*v, f);
  }
  fputc('"', f);
}
