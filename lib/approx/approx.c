/* The approximate multipliers of dlc/approx.def, defined exactly on unsigned
 * 8-bit operands and tabulated once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/approx.h"
#include "dlc/npy.h"
#include "dlc/tensor.h"

int dl_approx_bam_cells(int p) {
  int n = 0;
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) n += i + j >= p;
  return n;
}

static int msb(int v) {
  int n = -1;
  while (v) v >>= 1, n++;
  return n;
}

/* bam:p: the array's partial products a_i b_j 2^(i+j) with i + j >= p only */
static int64_t mul_bam(int a, int b, int p) {
  int64_t s = 0;
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++)
      if (i + j >= p && (a >> i & 1) && (b >> j & 1)) s += (int64_t)1 << (i + j);
  return s;
}

/* DRUM-p operand: the p bits from the leading one down, the lowest of them
 * forced to 1 (the expected value of the bits dropped below it) */
static int drum_operand(int v, int p) {
  int t = msb(v) - p + 1;
  return t <= 0 ? v : ((v >> t) | 1) << t;
}

/* Mitchell: log2 v ~ k + f / 2^k (v = 2^k + f); the sum of the two
 * logarithms is taken back by the same linear rule, exactly in integers */
static int64_t mul_mitchell(int a, int b) {
  if (!a || !b) return 0;
  int ka = msb(a), kb = msb(b);
  int64_t fa = a - (1 << ka), fb = b - (1 << kb), one = (int64_t)1 << (ka + kb);
  int64_t f = (fa << kb) + (fb << ka); /* (xa + xb) 2^(ka+kb) */
  return f < one ? one + f : 2 * f;
}

static int64_t eval(DlApproxKind k, int p, int a, int b) {
  switch (k) {
  case DL_APPROX_EXACT: return (int64_t)a * b;
  case DL_APPROX_BAM: return mul_bam(a, b, p);
  case DL_APPROX_DRUM: return (int64_t)drum_operand(a, p) * drum_operand(b, p);
  case DL_APPROX_MITCHELL: return mul_mitchell(a, b);
  case DL_APPROX_FILE:
  case DL_APPROX_COUNT: break;
  }
  return 0;
}

static const struct {
  const char *name, *listed, *source;
  int plo, phi;
} rows[] = {
#define DL_APPROX(id, name, plo, phi, listed, energy, source) {name, listed, source, plo, phi},
#include "dlc/approx.def"
#undef DL_APPROX
};

static double energy_of(DlApproxKind k, int p) {
  (void)p;
  switch (k) {
#define DL_APPROX(id, name, plo, phi, listed, energy, source)                                      \
  case DL_APPROX_##id:                                                                             \
    return energy;
#include "dlc/approx.def"
#undef DL_APPROX
  case DL_APPROX_COUNT: break;
  }
  return -1;
}

static bool load_file(const char *path, DlApprox *a, DlError *e) {
  DlTensor t = {0};
  if (!dl_npy_read(path, &t, e)) return false;
  bool ok = !dl_dtype_is_float(t.shape.dtype) && dl_shape_numel(&t.shape) == 65536 &&
            (t.shape.rank == 1 || (t.shape.rank == 2 && t.shape.dims[0] == 256));
  if (!ok) {
    dl_tensor_free(&t);
    return dl_error_set(e,
                        "approximate multiplier '%s': the file must hold 65536 integers, shape "
                        "[256,256] or [65536]",
                        a->spec);
  }
  for (int64_t i = 0; i < 65536 && ok; i++) {
    int64_t v = dl_tensor_get_i(&t, i);
    if (v < 0 || v >= (1 << 24)) {
      dl_tensor_free(&t);
      return dl_error_set(
          e, "approximate multiplier '%s': product M(%d, %d) = %lld is outside 0..2^24-1", a->spec,
          (int)(i / 256), (int)(i % 256), (long long)v);
    }
    a->table[i] = (int32_t)v;
  }
  dl_tensor_free(&t);
  return true;
}

bool dl_approx_table_path(const char *spec, char *path, size_t n) {
  if (strncmp(spec, "file:", 5)) return false;
  snprintf(path, n, "%s", spec + 5);
  char *at = strrchr(path, '@');
  if (at) *at = 0;
  return true;
}

/* "file:PATH[@ENERGY]" */
static bool parse_file(const char *rest, DlApprox *a, DlError *e) {
  char path[512];
  snprintf(path, sizeof path, "%s", rest);
  char *at = strrchr(path, '@');
  a->energy = -1;
  if (at) {
    char *end;
    *at = 0;
    a->energy = strtod(at + 1, &end);
    if (end == at + 1 || *end || !(a->energy >= 0 && a->energy <= 10))
      return dl_error_set(e,
                          "approximate multiplier '%s': ENERGY after '@' must be a number from 0 "
                          "to 10 (relative to "
                          "the exact multiplier)",
                          a->spec);
  }
  if (!path[0]) return dl_error_set(e, "approximate multiplier '%s': file: needs a path", a->spec);
  return load_file(path, a, e);
}

static bool parse(const char *spec, DlApprox *a, DlError *e) {
  const char *colon = strchr(spec, ':');
  size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
  for (int k = 0; k < DL_APPROX_COUNT; k++) {
    if (strlen(rows[k].name) != n || strncmp(rows[k].name, spec, n)) continue;
    a->kind = (DlApproxKind)k;
    if (k == DL_APPROX_FILE) return colon ? parse_file(colon + 1, a, e) : parse_file("", a, e);
    if (rows[k].phi == 0) {
      if (colon)
        return dl_error_set(e, "approximate multiplier '%s': %s takes no parameter", spec,
                            rows[k].name);
    } else {
      char *end;
      long p = colon ? strtol(colon + 1, &end, 10) : 0;
      if (!colon || end == colon + 1 || *end || p < rows[k].plo || p > rows[k].phi)
        return dl_error_set(
            e, "approximate multiplier '%s': %s needs a parameter from %d to %d (%s:P)", spec,
            rows[k].name, rows[k].plo, rows[k].phi, rows[k].name);
      a->param = (int)p;
    }
    for (int x = 0; x < 256; x++)
      for (int y = 0; y < 256; y++) a->table[x * 256 + y] = (int32_t)eval(a->kind, a->param, x, y);
    a->energy = energy_of(a->kind, a->param);
    return true;
  }
  return dl_error_set(
      e,
      "unknown approximate multiplier '%s' (exact, bam:P, drum:P, mitchell or file:PATH[@ENERGY]; "
      "dlc --print-approx lists them)",
      spec);
}

bool dl_approx_create(const char *spec, DlApprox *a, DlError *e) {
  memset(a, 0, sizeof *a);
  if (strlen(spec) >= sizeof a->spec)
    return dl_error_set(e, "approximate multiplier spec too long");
  snprintf(a->spec, sizeof a->spec, "%s", spec);
  a->table = malloc(sizeof(int32_t) * 65536);
  if (!a->table) return dl_error_set(e, "out of memory");
  if (parse(spec, a, e) && (a->wtab = malloc(sizeof(int32_t) * 65536))) {
    /* a zero operand gives 0 whatever the table says (the sign-magnitude rule) */
    for (int i = 0; i < 65536; i++) a->wtab[(i % 256) * 256 + i / 256] = i % 256 && i / 256 ? a->table[i] : 0;
    return true;
  }
  if (!dl_error_is_set(e)) dl_error_set(e, "out of memory");
  dl_approx_destroy(a);
  return false;
}

void dl_approx_destroy(DlApprox *a) {
  free(a->table), free(a->wtab);
  a->table = a->wtab = NULL;
}

DlApproxStats dl_approx_stats(const DlApprox *a) {
  DlApproxStats s = {0};
  double sum = 0, sq = 0, sabs = 0, srel = 0;
  int nrel = 0;
  for (int x = 0; x < 256; x++)
    for (int y = 0; y < 256; y++) {
      int64_t m = a->table[x * 256 + y], d = m - (int64_t)x * y;
      sum += (double)d, sq += (double)d * (double)d, sabs += (double)llabs((long long)d);
      if (x && y) srel += fabs((double)d) / ((double)x * y), nrel++;
      s.wce = llabs((long long)d) > s.wce ? llabs((long long)d) : s.wce;
      s.pmax = m > s.pmax ? m : s.pmax;
    }
  s.mean = sum / 65536, s.mae = sabs / 65536, s.mre = srel / nrel;
  s.std = sqrt(fmax(sq / 65536 - s.mean * s.mean, 0));
  return s;
}

int64_t dl_approx_colmax(const int32_t *table, int64_t b, int64_t amax) {
  int64_t m = 0;
  for (int64_t x = 0; x <= amax && x < 256; x++)
    m = table[x * 256 + b] > m ? table[x * 256 + b] : m;
  return m;
}

void dl_approx_print(FILE *f) {
  fprintf(f, "%-10s %9s %9s %8s %7s %9s %7s  %s\n", "multiplier", "mean_err", "mean_abs",
          "mean_rel", "worst", "err_std", "energy", "source");
  for (int k = 0; k < DL_APPROX_COUNT; k++) {
    const char *l = rows[k].listed;
    while (*l) {
      char *end, spec[64];
      long p = strtol(l, &end, 10);
      l = *end == ',' ? end + 1 : end;
      if (rows[k].phi)
        snprintf(spec, sizeof spec, "%s:%ld", rows[k].name, p);
      else
        snprintf(spec, sizeof spec, "%s", rows[k].name);
      DlApprox a;
      DlError e = {0};
      if (!dl_approx_create(spec, &a, &e)) {
        dl_error_clear(&e);
        continue;
      }
      DlApproxStats s = dl_approx_stats(&a);
      fprintf(f, "%-10s %9.2f %9.2f %7.3f%% %7lld %9.2f %7.3f  %s\n", spec, s.mean, s.mae,
              100 * s.mre, (long long)s.wce, s.std, a.energy, rows[k].source);
      dl_approx_destroy(&a);
    }
  }
  fprintf(f, "%-10s %s\n", "file:PATH", rows[DL_APPROX_FILE].source);
}
