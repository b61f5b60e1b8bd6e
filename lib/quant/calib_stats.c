/* Calibration statistics files (--calib-stats-out, --calib-stats): the
 * histograms of calib_hist.h written and merged exactly.
 *
 * Format (version 1, little-endian): "DLCCALIB", u32 version, u32 bins per
 * side, u64 fingerprint of the model's values, u64 value count, i64 sample
 * count, u64 histograms; per histogram u64 position, u8 fraction flag, f64
 * min, max, R0, R, u32 nonzero bins, then per bin u16 index (negative side
 * from DL_CALIB_NB on) and u64 count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib_hist.h"
#include "dlc/support.h"

#define MAGIC "DLCCALIB"
#define VERSION 1u

void dl_calib_hist_coarsen(DlCalibHist *h, double R) {
  if (h->R == 0) { /* only zeros so far: they stay in bin 0 */
    h->R = R;
    return;
  }
  while (h->R < R) {
    for (int i = 0; i < DL_CALIB_NB / 2; i++) {
      h->pos[i] = h->pos[2 * i] + h->pos[2 * i + 1];
      h->neg[i] = h->neg[2 * i] + h->neg[2 * i + 1];
    }
    memset(h->pos + DL_CALIB_NB / 2, 0, sizeof(double) * DL_CALIB_NB / 2);
    memset(h->neg + DL_CALIB_NB / 2, 0, sizeof(double) * DL_CALIB_NB / 2);
    h->R *= 2;
  }
}

void dl_calib_hist_merge(DlCalibHist *into, const DlCalibHist *from) {
  if (from->min > from->max) return;
  if (into->min > into->max) {
    const void *key = into->key;
    *into = *from;
    into->key = key;
    return;
  }
  DlCalibHist *b = malloc(sizeof *b);
  *b = *from;
  double R = fmax(into->R, b->R);
  dl_calib_hist_coarsen(into, R);
  dl_calib_hist_coarsen(b, R);
  for (int i = 0; i < DL_CALIB_NB; i++) into->pos[i] += b->pos[i], into->neg[i] += b->neg[i];
  into->min = fmin(into->min, b->min), into->max = fmax(into->max, b->max);
  into->fraction = into->fraction || b->fraction;
  free(b);
}

/* ---- writing ------------------------------------------------------------------ */

static void put(FILE *f, uint64_t x, int bytes) {
  for (int i = 0; i < bytes; i++) fputc((int)((x >> (8 * i)) & 0xff), f);
}

static void put_f64(FILE *f, double d) {
  uint64_t x;
  memcpy(&x, &d, sizeof x);
  put(f, x, 8);
}

static void put_bins(FILE *f, const DlCalibHist *h) {
  uint32_t nnz = 0;
  for (int i = 0; i < DL_CALIB_NB; i++) nnz += (h->pos[i] != 0) + (h->neg[i] != 0);
  put(f, nnz, 4);
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < DL_CALIB_NB; i++) {
      double c = (s ? h->neg : h->pos)[i];
      if (c != 0) put(f, (uint64_t)(s * DL_CALIB_NB + i), 2), put(f, (uint64_t)c, 8);
    }
}

bool dl_calib_stats_write(const char *path, const DlCalibValues *v, DlCalibHist *const *h, int64_t samples, DlError *e) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return dl_error_set(e, "%s: out of memory", path);
  uint64_t seen = 0;
  for (int64_t i = 0; i < v->n; i++) seen += h[i] && h[i]->min <= h[i]->max;
  fwrite(MAGIC, 1, 8, f);
  put(f, VERSION, 4), put(f, DL_CALIB_NB, 4), put(f, v->fingerprint, 8), put(f, (uint64_t)v->n, 8);
  put(f, (uint64_t)samples, 8), put(f, seen, 8);
  for (int64_t i = 0; i < v->n; i++) {
    if (!h[i] || h[i]->min > h[i]->max) continue;
    put(f, (uint64_t)i, 8), put(f, h[i]->fraction, 1);
    put_f64(f, h[i]->min), put_f64(f, h[i]->max), put_f64(f, h[i]->R0), put_f64(f, h[i]->R);
    put_bins(f, h[i]);
  }
  bool ok = fclose(f) == 0;
  ok = ok ? dl_write_file_atomic(path, text, len, e) : dl_error_set(e, "%s: out of memory", path);
  free(text);
  return ok;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct {
  const unsigned char *p, *end;
} Reader;

static bool get(Reader *r, int bytes, uint64_t *x) {
  if (r->end - r->p < bytes) return false;
  *x = 0;
  for (int i = 0; i < bytes; i++) *x |= (uint64_t)r->p[i] << (8 * i);
  r->p += bytes;
  return true;
}

static bool get_f64(Reader *r, double *d) {
  uint64_t x;
  if (!get(r, 8, &x)) return false;
  memcpy(d, &x, sizeof x);
  return true;
}

static bool pow2_or_zero(double x) {
  int ex;
  return x == 0 || (isfinite(x) && x > 0 && frexp(x, &ex) == 0.5);
}

/* One histogram's record into h (zeroed, key set); a reason when it is malformed. */
static const char *get_hist(Reader *r, DlCalibHist *h) {
  uint64_t fr, nnz, idx, c;
  if (!get(r, 1, &fr) || !get_f64(r, &h->min) || !get_f64(r, &h->max) || !get_f64(r, &h->R0) || !get_f64(r, &h->R) ||
      !get(r, 4, &nnz))
    return "truncated";
  if (fr > 1 || !(h->min <= h->max) || !isfinite(h->min) || !isfinite(h->max) || !pow2_or_zero(h->R) || !(h->R0 > 0) ||
      !pow2_or_zero(h->R0) || nnz > 2 * DL_CALIB_NB)
    return "a histogram's header is malformed";
  h->fraction = fr;
  for (uint64_t k = 0; k < nnz; k++) {
    if (!get(r, 2, &idx) || !get(r, 8, &c)) return "truncated";
    if (idx >= 2 * DL_CALIB_NB || c == 0 || c > (1ull << 53)) return "a histogram bin is malformed";
    (idx < DL_CALIB_NB ? h->pos : h->neg)[idx % DL_CALIB_NB] = (double)c;
  }
  return NULL;
}

static uint64_t get_header(Reader *r, const char **why, uint64_t *fp, uint64_t *n, int64_t *samples) {
  uint64_t ver, nb, s, seen = 0;
  *why = NULL;
  if (r->end - r->p < 8 || memcmp(r->p, MAGIC, 8)) return *why = "not a calibration statistics file (dlc --calib-stats-out writes them)", 0;
  r->p += 8;
  if (!get(r, 4, &ver) || !get(r, 4, &nb) || !get(r, 8, fp) || !get(r, 8, n) || !get(r, 8, &s) || !get(r, 8, &seen))
    return *why = "truncated", 0;
  *samples = (int64_t)s;
  if (ver != VERSION) return *why = "version", 0;
  if (nb != DL_CALIB_NB) return *why = "bins", 0;
  return seen;
}

bool dl_calib_stats_merge(const char *path, const DlCalibValues *v, DlCalibHist **h, int64_t *samples, DlError *e) {
  char *text;
  size_t len;
  if (!dl_read_file(path, &text, &len, e)) return dl_error_prefix(e, "calibration statistics");
  Reader r = {(const unsigned char *)text, (const unsigned char *)text + len};
  const char *why;
  uint64_t fp = 0, n = 0, prev = 0;
  int64_t s = 0;
  uint64_t seen = get_header(&r, &why, &fp, &n, &s);
  bool ok = false;
  DlCalibHist *t = NULL;
  if (why && !strcmp(why, "version")) {
    uint64_t ver = 0;
    memcpy(&ver, text + 8, 4);
    dl_error_set(e, "%s: calibration statistics version %u; this dlc reads version %u", path, (unsigned)(ver & 0xffffffffu), VERSION);
    goto done;
  }
  if (why && !strcmp(why, "bins")) {
    dl_error_set(e, "%s: calibration statistics with another histogram size; this dlc keeps %d bins a side", path, DL_CALIB_NB);
    goto done;
  }
  if (why) {
    dl_error_set(e, "%s: %s", path, why);
    goto done;
  }
  if (fp != v->fingerprint || n != (uint64_t)v->n) {
    dl_error_set(e, "%s: calibration statistics of another model (%llu values, fingerprint %016llx; this model: %lld values, "
                    "fingerprint %016llx)", path, (unsigned long long)n, (unsigned long long)fp, (long long)v->n,
                 (unsigned long long)v->fingerprint);
    goto done;
  }
  t = malloc(sizeof *t);
  for (uint64_t k = 0; k < seen; k++) {
    uint64_t pos;
    memset(t, 0, sizeof *t);
    if (!get(&r, 8, &pos)) why = "truncated";
    else if (pos >= n || (k && pos <= prev)) why = "a histogram's value position is out of order or range";
    else why = get_hist(&r, t);
    if (why) {
      dl_error_set(e, "%s: %s", path, why);
      goto done;
    }
    prev = pos;
    if (!h[pos]) {
      h[pos] = calloc(1, sizeof **h);
      h[pos]->min = INFINITY, h[pos]->max = -INFINITY;
    }
    t->key = h[pos]->key = v->vals[pos];
    dl_calib_hist_merge(h[pos], t);
  }
  if (r.p != r.end) {
    dl_error_set(e, "%s: %lld bytes after the last histogram", path, (long long)(r.end - r.p));
    goto done;
  }
  *samples += s;
  ok = true;
done:
  free(t);
  free(text);
  return ok;
}
