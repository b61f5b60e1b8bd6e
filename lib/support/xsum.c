/* Exact sums of doubles (dlc/xsum.h): each term is its 53-bit mantissa put
 * at its binary exponent into 32-bit digits held in 64-bit words, carried
 * every 2^31 additions, rounded once when read. */
#include "dlc/xsum.h"

#include <math.h>
#include <string.h>

#define BIAS 1088 /* bit 0 of digit 0 is 2^-1088, below the least subnormal */
#define M32 0xffffffffull

static void carry(uint64_t *d) {
  uint64_t c = 0;
  for (int i = 0; i < DL_XSUM_LIMBS; i++) {
    uint64_t v = d[i] + c;
    d[i] = v & M32, c = v >> 32;
  }
}

static void normalize(DlXSum *s) {
  carry(s->pos), carry(s->neg);
  s->adds = 0;
}

static void add_mag(uint64_t *d, double x) {
  int ex;
  double f = frexp(x, &ex); /* x = f * 2^ex, 0.5 <= f < 1 */
  uint64_t m = (uint64_t)ldexp(f, 53);
  int p = ex - 53 + BIAS; /* the mantissa's lowest bit */
  if (p < 0) m >>= -p, p = 0; /* subnormal: those bits are zero */
  unsigned __int128 t = (unsigned __int128)m << (p % 32);
  int k = p / 32;
  d[k] += (uint64_t)(t & M32);
  d[k + 1] += (uint64_t)((t >> 32) & M32);
  if (k + 2 < DL_XSUM_LIMBS) d[k + 2] += (uint64_t)(t >> 64);
}

void dl_xsum_add(DlXSum *s, double x) {
  if (!isfinite(x) || x == 0) return;
  if (s->adds >= (1u << 31)) normalize(s);
  add_mag(x > 0 ? s->pos : s->neg, fabs(x));
  s->adds++;
}

void dl_xsum_merge(DlXSum *into, const DlXSum *from) {
  DlXSum f = *from;
  normalize(into), normalize(&f);
  for (int i = 0; i < DL_XSUM_LIMBS; i++) into->pos[i] += f.pos[i], into->neg[i] += f.neg[i];
  into->adds = 1;
}

/* The carried digits d rounded to nearest (ties to even). */
static double round_digits(const uint64_t *d) {
  int t = DL_XSUM_LIMBS - 1;
  while (t >= 0 && !d[t]) t--;
  if (t < 0) return 0;
  unsigned __int128 v = 0;
  for (int i = t; i > t - 3; i--) v = (v << 32) | (i >= 0 ? d[i] : 0);
  bool sticky = false;
  for (int i = t - 3; i >= 0; i--) sticky |= d[i] != 0;
  int h = 127;
  while (!((v >> h) & 1)) h--;
  int shift = h - 52;
  uint64_t mant = (uint64_t)(v >> shift);
  unsigned __int128 rem = v & (((unsigned __int128)1 << shift) - 1), half = (unsigned __int128)1 << (shift - 1);
  if (rem > half || (rem == half && (sticky || (mant & 1)))) mant++;
  return ldexp((double)mant, shift + 32 * (t - 2) - BIAS);
}

double dl_xsum_value(DlXSum *s) {
  normalize(s);
  return round_digits(s->pos) - round_digits(s->neg);
}

static void put(FILE *f, uint64_t x, int bytes) {
  for (int i = 0; i < bytes; i++) fputc((int)((x >> (8 * i)) & 0xff), f);
}

void dl_xsum_write(FILE *f, DlXSum *s) {
  normalize(s);
  for (int side = 0; side < 2; side++) {
    const uint64_t *d = side ? s->neg : s->pos;
    int n = 0;
    for (int i = 0; i < DL_XSUM_LIMBS; i++) n += d[i] != 0;
    put(f, (uint64_t)n, 1);
    for (int i = 0; i < DL_XSUM_LIMBS; i++)
      if (d[i]) put(f, (uint64_t)i, 1), put(f, d[i], 4);
  }
}

bool dl_xsum_read(const unsigned char **p, const unsigned char *end, DlXSum *s) {
  memset(s, 0, sizeof *s);
  for (int side = 0; side < 2; side++) {
    uint64_t *d = side ? s->neg : s->pos;
    if (*p >= end) return false;
    int n = *(*p)++;
    if (n > DL_XSUM_LIMBS || end - *p < 5 * n) return false;
    for (int k = 0; k < n; k++, *p += 5) {
      int i = (*p)[0];
      if (i >= DL_XSUM_LIMBS) return false;
      d[i] = (uint64_t)(*p)[1] | (uint64_t)(*p)[2] << 8 | (uint64_t)(*p)[3] << 16 | (uint64_t)(*p)[4] << 24;
    }
  }
  return true;
}

void dl_xsum_fold(DlXSum *s, double *v, int n, bool add) {
  for (int i = 0; i < n; i++) {
    if (add) dl_xsum_add(&s[i], v[i]);
    v[i] = 0;
  }
}

void dl_xsum_load(DlXSum *s, double *v, int n) {
  for (int i = 0; i < n; i++) v[i] = dl_xsum_value(&s[i]);
}
