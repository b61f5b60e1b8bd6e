/* dlz kernels (see dlc/dlz.h). Each function sits between "@fn NAME [uses
 * DEPS]" and "@end" markers, like dlrt.c, so the C target can copy what it
 * needs; keep every section plain C99. */
#include "dlc/dlz.h"

#include <string.h>

/* @fn dlz_ld */
static inline long long dlz_ld(const void *x, int es, long long i) {
  return es == 1 ? ((const int8_t *)x)[i] : es == 2 ? ((const int16_t *)x)[i] : ((const int32_t *)x)[i];
}
/* @end */

/* @fn dlz_st */
static inline void dlz_st(void *y, int es, long long i, long long v) {
  if (es == 1) ((int8_t *)y)[i] = (int8_t)v;
  else if (es == 2) ((int16_t *)y)[i] = (int16_t)v;
  else ((int32_t *)y)[i] = (int32_t)v;
}
/* @end */

/* @fn dlz_cpy */
/* y[yi + t * ys] = x[xi + t * xs] for t < n (es-byte elements): the
 * channel-last transposition, one position's run of channels at a time. */
static void dlz_cpy(void *y, long long yi, long long ys, const void *x, long long xi, long long xs, long long n, int es) {
  long long t;
  if (es == 1) {
    int8_t *d = (int8_t *)y + yi;
    const int8_t *s = (const int8_t *)x + xi;
    if (ys == 1 && xs == 1) memcpy(d, s, (size_t)n);
    else for (t = 0; t < n; t++) d[t * ys] = s[t * xs];
  } else if (es == 2) {
    int16_t *d = (int16_t *)y + yi;
    const int16_t *s = (const int16_t *)x + xi;
    for (t = 0; t < n; t++) d[t * ys] = s[t * xs];
  } else {
    int32_t *d = (int32_t *)y + yi;
    const int32_t *s = (const int32_t *)x + xi;
    for (t = 0; t < n; t++) d[t * ys] = s[t * xs];
  }
}
/* @end */

/* @fn dlz_le */
/* Little-endian u32 and u64 at b (the table's offsets, the bit readers' words). */
static inline size_t dlz_le32(const unsigned char *b) {
  return (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 | (size_t)b[3] << 24;
}
static inline uint64_t dlz_le64(const unsigned char *b) {
  return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 |
         (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
}
/* @end */

/* @fn dlz_bits uses dlz_le */
/* LSB-first bit streams through a 64-bit buffer. The reader takes whole
 * words while 8 bytes remain before `end` and reads zeros past it, so no
 * input makes it read outside [b, end) or underflow `have`; the writer stores
 * whole bytes only, so it writes exactly ceil(bits / 8) bytes. */
typedef struct {
  const unsigned char *p, *end;
  uint64_t buf;
  int have; /* valid bits in buf; the bits above them may hold the next bytes' */
} dlz_rd;

typedef struct {
  unsigned char *p;
  uint64_t buf;
  int have;
} dlz_wr;

/* Tops r up to at least 57 bits. */
static inline void dlz_fill(dlz_rd *r) {
  if (r->end - r->p >= 8) {
    r->buf |= dlz_le64(r->p) << r->have;
    r->p += (63 - r->have) >> 3;
    r->have |= 56;
  } else {
    while (r->have <= 56) {
      r->buf |= (uint64_t)(r->p < r->end ? *r->p++ : 0) << r->have;
      r->have += 8;
    }
  }
}

/* A reader of b[0..end - b) from bit `bit` (at most the payload's bits). */
static void dlz_rd_at(dlz_rd *r, const unsigned char *b, const unsigned char *end, long long bit) {
  r->p = b + (bit >> 3), r->end = end, r->buf = 0, r->have = 0;
  dlz_fill(r);
  r->buf >>= bit & 7, r->have -= (int)(bit & 7);
}

/* The next w (1..16) bits if on is 1; 0, consuming nothing, if on is 0 (no branch on on). */
static inline unsigned dlz_take(dlz_rd *r, int w, unsigned on) {
  unsigned v;
  int n = w & -(int)on;
  if (r->have < w) dlz_fill(r);
  v = (unsigned)r->buf & ((1u << w) - 1) & (0u - on);
  r->buf >>= n, r->have -= n;
  return v;
}

/* Appends the low w (1..32) bits of v (v < 2^w). */
static inline void dlz_push(dlz_wr *o, unsigned v, int w) {
  o->buf |= (uint64_t)v << o->have;
  o->have += w;
  if (o->have >= 32) {
    o->p[0] = (unsigned char)o->buf, o->p[1] = (unsigned char)(o->buf >> 8);
    o->p[2] = (unsigned char)(o->buf >> 16), o->p[3] = (unsigned char)(o->buf >> 24);
    o->p += 4, o->buf >>= 32, o->have -= 32;
  }
}

static void dlz_flush(dlz_wr *o) {
  for (; o->have > 0; o->have -= 8) *o->p++ = (unsigned char)o->buf, o->buf >>= 8;
  o->have = 0;
}

/* Bits set in v: the instruction where the build has it (-mpopcnt, -march=native), else a few operations. */
static inline long long dlz_pop(uint64_t v) {
#if defined(__POPCNT__) && defined(__GNUC__)
  return __builtin_popcountll(v);
#else
  v = v - (v >> 1 & 0x5555555555555555ull);
  v = (v & 0x3333333333333333ull) + (v >> 2 & 0x3333333333333333ull);
  return (long long)(((v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full) * 0x0101010101010101ull >> 56);
#endif
}

/* Bits set among the first n bits of m. */
static long long dlz_ones(const unsigned char *m, long long n) {
  long long i = 0, c = 0;
  for (; i + 64 <= n; i += 64) c += dlz_pop(dlz_le64(m + i / 8));
  for (; i + 8 <= n; i += 8) c += dlz_pop(m[i / 8]);
  for (; i < n; i++) c += m[i >> 3] >> (i & 7) & 1;
  return c;
}

/* Bits [s, e) of m, bit s lowest (e - s <= 57: a sub-block's mask). */
static inline uint64_t dlz_mbits(const unsigned char *m, long long s, long long e) {
  uint64_t v = 0;
  long long b = s >> 3, nb = ((e + 7) >> 3) - b, j;
  for (j = 0; j < nb; j++) v |= (uint64_t)m[b + j] << (8 * j);
  return (v >> (s & 7)) & (((uint64_t)1 << (e - s)) - 1);
}

/* Bits set among bits [s, e) of m. */
static inline long long dlz_ones_in(const unsigned char *m, long long s, long long e) {
  long long c = 0;
  for (; e - s > 56; s += 56) c += dlz_pop(dlz_mbits(m, s, s + 56));
  return c + dlz_pop(dlz_mbits(m, s, e));
}

/* Appends u[0..n) in w (1..16) bits each: four or two values per push. */
static void dlz_pack(dlz_wr *o, const unsigned short *u, long long n, int w) {
  long long i = 0;
  if (w <= 8)
    for (; i + 4 <= n; i += 4)
      dlz_push(o, (unsigned)u[i] | (unsigned)u[i + 1] << w | (unsigned)u[i + 2] << 2 * w | (unsigned)u[i + 3] << 3 * w,
               4 * w);
  for (; i + 2 <= n; i += 2) dlz_push(o, (unsigned)u[i] | (unsigned)u[i + 1] << w, 2 * w);
  if (i < n) dlz_push(o, u[i], w);
}

/* Bits [pos, pos + 57) of b[0..len), the lowest first: zeros past len, as dlz_rd reads. */
static inline uint64_t dlz_peek(const unsigned char *b, long long len, long long pos) {
  long long at = pos >> 3, j;
  uint64_t v = 0;
  if (len - at >= 8) return dlz_le64(b + at) >> (pos & 7);
  for (j = 0; at + j < len; j++) v |= (uint64_t)b[at + j] << (8 * j);
  return v >> (pos & 7);
}

/* v[0..n) = the n w-bit (1..16) values from bit pos of b[0..len) (zeros past
 * len); 8 values per 64-bit load while w <= 7, 7 for w = 8, one load per value otherwise. */
static void dlz_unpack(const unsigned char *b, long long len, long long pos, int w, long long n, unsigned short *v) {
  const unsigned mask = (1u << w) - 1;
  long long i = 0;
  if (w <= 7)
    for (; i + 8 <= n && (pos >> 3) + 8 <= len; i += 8, pos += 8 * w) {
      uint64_t x = dlz_le64(b + (pos >> 3)) >> (pos & 7);
      int j;
      for (j = 0; j < 8; j++) v[i + j] = (unsigned short)(x >> (j * w) & mask);
    }
  if (w == 8)
    for (; i + 7 <= n && (pos >> 3) + 8 <= len; i += 7, pos += 56) {
      uint64_t x = dlz_le64(b + (pos >> 3)) >> (pos & 7);
      int j;
      for (j = 0; j < 7; j++) v[i + j] = (unsigned short)(x >> (8 * j) & 255u);
    }
  for (; i < n && (pos >> 3) + 8 <= len; i++, pos += w) v[i] = (unsigned short)(dlz_le64(b + (pos >> 3)) >> (pos & 7) & mask);
  for (; i < n; i++, pos += w) v[i] = (unsigned short)(dlz_peek(b, len, pos) & mask);
}
/* @end */

/* @fn dlz_bound */
size_t dlz_bound(const dlz_params *p, long long n) {
  long long nb = (n + p->block - 1) / p->block;
  return (size_t)(4 * (nb + 1) + nb + (n * p->bits + 7) / 8 + nb);
}
/* @end */

/* @fn dlz_t */
/* The K-lossy value of q as its distance from the zero point in units of 2^k:
 * the nearest multiple (ties up), moved back into qmin..qmax if it left it. */
static inline long long dlz_t(const dlz_params *p, long long q) {
  long long t, r;
  if (!p->k) return q - p->zp;
  /* floor((q - zp + 2^(k-1)) / 2^k) without shifting a negative number (|q - zp| < 2^33) */
  t = ((q - p->zp + ((long long)1 << (p->k - 1)) + ((long long)1 << 40)) >> p->k) - ((long long)1 << (40 - p->k));
  r = p->zp + t * ((long long)1 << p->k);
  return t - (r > p->qmax) + (r < p->qmin);
}
/* @end */

/* @fn dlz_lossy uses dlz_t */
long long dlz_lossy(const dlz_params *p, long long q) {
  return p->zp + dlz_t(p, q) * ((long long)1 << p->k);
}
/* @end */

/* @fn dlz_u */
/* A value's distance from the zero point (dlz_t), as the narrowed modes store it. */
static inline unsigned dlz_u(const dlz_params *p, long long t) {
  if (p->zp == p->qmin) return (unsigned)t;
  return t >= 0 ? (unsigned)(2 * t) : (unsigned)(-2 * t - 1);
}
/* @end */

/* @fn dlz_q */
static inline long long dlz_q(const dlz_params *p, unsigned u) {
  long long v = p->zp == p->qmin ? (long long)u : u & 1u ? -(long long)(u >> 1) - 1 : (long long)(u >> 1);
  return p->zp + v * ((long long)1 << p->k);
}
/* @end */

/* @fn dlz_width */
static int dlz_width(unsigned u) {
  int w = 1;
  if (u >> 16) w += 16, u >>= 16;
  if (u >> 8) w += 8, u >>= 8;
  if (u >> 4) w += 4, u >>= 4;
  if (u >> 2) w += 2, u >>= 2;
  return w + (u >> 1 != 0);
}
/* @end */

/* @fn dlz_payload uses dlz_bits */
/* Bytes of a block's payload for mode m (width w), given its elements and (for
 * ZVC, ZB, ZVW) the bitmask that starts the payload; -1 if the mask does not fit
 * in `avail`. */
static long long dlz_payload(const dlz_params *p, int m, int w, long long ne, const unsigned char *mask, size_t avail) {
  long long cnt, nsub = (ne + p->sub - 1) / p->sub, mb, s, bits = 0;
  if (m == DLZ_RAW) return (ne * p->bits + 7) / 8;
  if (m == DLZ_ZERO) return 0;
  if (m == DLZ_PACK) return (ne * w + 7) / 8;
  mb = ((m == DLZ_ZB ? nsub : ne) + 7) / 8;
  if ((size_t)mb > avail) return -1;
  if (m == DLZ_ZVW) { /* each sub-block with a nonzero: its width, then its values */
    const unsigned char *q = mask + mb;
    size_t qn = avail - (size_t)mb, at;
    for (s = 0; s < ne; s += p->sub) {
      cnt = dlz_ones_in(mask, s, s + p->sub < ne ? s + p->sub : ne);
      if (!cnt) continue;
      at = (size_t)(bits >> 3); /* the 4-bit width at bit `bits`; zeros past the payload */
      w = (int)(((at < qn ? q[at] : 0u) | (at + 1 < qn ? q[at + 1] : 0u) << 8) >> (bits & 7) & 15u) + 1;
      bits += 4 + cnt * w;
    }
    return mb + (bits + 7) / 8;
  }
  if (m == DLZ_ZVC) cnt = dlz_ones(mask, ne);
  else /* every sub-block is whole but perhaps the last */
    cnt = dlz_ones(mask, nsub) * p->sub - (mask[(nsub - 1) >> 3] >> ((nsub - 1) & 7) & 1 ? nsub * p->sub - ne : 0);
  return mb + (cnt * w + 7) / 8;
}
/* @end */

/* @fn dlz_ux uses dlz_ld dlz_t dlz_u */
/* Element i of x as the narrowed modes store it; tab, if not null, holds that
 * for every int8 value (es is then 1). */
static inline unsigned dlz_ux(const dlz_params *p, const void *x, int es, long long i, const unsigned short *tab) {
  return tab ? tab[(unsigned char)((const int8_t *)x)[i]] : dlz_u(p, dlz_t(p, dlz_ld(x, es, i)));
}
/* @end */

/* @fn dlz_b8 uses dlz_bits */
/* The int8 encoder's byte path: stored values held as bytes, eight per 64-bit
 * word. A writer that keeps fewer than 8 bits pending, storing a whole word at
 * p each time (the caller's buffer has 8 bytes of slack): any n <= 56 bits per
 * put. The bytes it leaves are dlz_push's. */
static inline void dlz_st64(unsigned char *b, uint64_t v) { /* little-endian: one store where the build knows it */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(b, &v, 8);
#else
  int j;
  for (j = 0; j < 8; j++) b[j] = (unsigned char)(v >> (8 * j));
#endif
}

static inline void dlz_put(dlz_wr *o, uint64_t v, int n) {
  int k;
  o->buf |= v << o->have;
  o->have += n;
  dlz_st64(o->p, o->buf);
  k = o->have >> 3;
  o->p += k, o->buf = k ? o->buf >> (8 * k) : o->buf, o->have &= 7;
}

/* The eight bytes of x, each below 2^w (1..8), as 8w bits, byte 0 lowest: a PEXT without the instruction. */
static inline uint64_t dlz_sq8(uint64_t x, int w) {
  x = (x & 0x00ff00ff00ff00ffull) | (x >> 8 & 0x00ff00ff00ff00ffull) << w;
  x = (x & 0x0000ffff0000ffffull) | (x >> 16 & 0x0000ffff0000ffffull) << (2 * w);
  return (x & 0xffffffffull) | (x >> 32) << (4 * w);
}

/* Bit j set where byte j of v is not 0. */
static inline unsigned dlz_nz8(uint64_t v) {
  uint64_t t = (((v & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | v) & 0x8080808080808080ull;
  return (unsigned)(((t >> 7) * 0x0102040810204080ull) >> 56);
}

/* Appends u[0..n) in w (1..8) bits each; u has zeros up to a multiple of 8 past n. */
static void dlz_pack8(dlz_wr *o, const unsigned char *u, long long n, int w) {
  long long i;
  for (i = 0; i < n; i += 8) {
    uint64_t x = dlz_le64(u + i);
    int m = n - i < 8 ? (int)(n - i) : 8;
    if (w < 8) dlz_put(o, dlz_sq8(x, w), m * w);
    else if (m <= 4) dlz_put(o, x & 0xffffffffull, 8 * m);
    else dlz_put(o, x & 0xffffffffull, 32), dlz_put(o, x >> 32, 8 * (m - 4));
  }
}

/* c[0..k) = the nonzero bytes of u[0..n), in order, followed by 8 zeros; returns
 * k. mk holds u's nonzero bits (dlz_nz8), a byte per 8 values, zeros past n. */
static long long dlz_nzs8(const unsigned char *u, const unsigned char *mk, long long n, unsigned char *c) {
  long long i, j, k = 0;
  for (i = 0; i < n; i += 8) {
    unsigned m = mk[i >> 3];
    if (m == 255u) /* eight nonzeros: copied whole */
      for (j = 0; j < 8; j++) c[k + j] = u[i + j];
    else
      for (j = 0; j < 8; j++) c[k] = u[i + j], k += m >> j & 1u;
    k += m == 255u ? 8 : 0;
  }
  for (j = 0; j < 8; j++) c[k + j] = 0;
  return k;
}
/* @end */

/* @fn dlz_enc uses dlz_ld dlz_t dlz_bits dlz_u dlz_ux dlz_width dlz_b8 */
/* dlz_encode_blocks, with the table of dlz_ux or null; t8: every entry of
 * the table is below 256, so blocks of at most 256 values whose sub-blocks are
 * whole bytes of the mask take the byte path (dlz_b8), the same bytes. */
static size_t dlz_enc(const dlz_params *pp, const void *x, int es, long long n, long long b0, long long b1,
                      unsigned char *out, size_t cap, const unsigned short *tab, int t8) {
  const dlz_params pv = *pp, *p = &pv; /* a copy the compiler can keep in registers while writing bytes */
  long long nb = (n + p->block - 1) / p->block, b, i;
  size_t table = 4 * (size_t)(nb + 1), at;
  unsigned char *data = out + table;
  unsigned rawmask = p->bits >= 32 ? ~0u : (1u << p->bits) - 1;
  if (b0 < 0 || b1 > nb || b0 > b1 || cap < table) return 0;
  if (b0 == 0) out[0] = out[1] = out[2] = out[3] = 0;
  at = dlz_le32(out + 4 * b0);
  if (at > cap - table) return 0;
  unsigned short ub[256]; /* a block of at most 256: each value's stored form, computed once, */
  unsigned char mk[32];    /* and its zero-point mask when sub-blocks are whole bytes (ZVC, ZVW), */
  unsigned short sa[256];  /* and the OR of each sub-block's values */
  unsigned char u8[272], c8[272]; /* the byte path's stored values, and a run's nonzero ones (zeros past the end) */
  int fm = p->sub % 8 == 0 && p->sub <= 64;
  for (b = b0 + 1; b <= b1; b++) {
    long long i0 = (b - 1) * p->block, ne = i0 + p->block <= n ? p->block : n - i0, nz = 0, nzsub = 0, s, e;
    long long nsub = (ne + p->sub - 1) / p->sub, size[DLZ_MODES], xo = i0 - b0 * p->block, mb, zvw = 0;
    unsigned uor = 0;
    int mode = DLZ_RAW, m, w, wsub = 0;
    unsigned char *blk = data + at, *pay = blk + 1;
    const unsigned short *bu = ne <= 256 ? ub : 0; /* else computed at every pass */
    int b8 = t8 && tab && bu && fm;
    dlz_wr o;
    if (b8) { /* the byte path: each value's stored form as a byte, then eight at a time */
      const int8_t *x8 = (const int8_t *)x + xo;
      if (p->k == 0 && p->zp == p->qmin) { /* t8 then means zp = -128: u = q + 128, the sign bit flipped */
        for (i = 0; i + 8 <= ne; i += 8) {
          dlz_st64(u8 + i, dlz_le64((const unsigned char *)x8 + i) ^ 0x8080808080808080ull);
        }
        for (; i < ne; i++) u8[i] = (unsigned char)(x8[i] - p->zp);
      } else
        for (i = 0; i < ne; i++) u8[i] = (unsigned char)tab[(unsigned char)x8[i]];
      for (i = ne; i < (ne + 15) / 8 * 8; i++) u8[i] = 0;
      for (s = 0; s < ne; s += p->sub) {
        uint64_t or8 = 0, sm = 0;
        long long nzs;
        unsigned any;
        e = s + p->sub < ne ? s + p->sub : ne;
        for (i = s; i < e; i += 8) { /* the zeros past ne count for nothing */
          uint64_t v = dlz_le64(u8 + i);
          unsigned m8 = dlz_nz8(v);
          or8 |= v, mk[i >> 3] = (unsigned char)m8, sm |= (uint64_t)m8 << (i - s);
        }
        nzs = dlz_pop(sm);
        or8 |= or8 >> 32, or8 |= or8 >> 16, or8 |= or8 >> 8;
        any = (unsigned)(or8 & 255u);
        sa[s / p->sub] = (unsigned short)any;
        uor |= any, nz += nzs, nzsub += any ? e - s : 0;
        if (any) {
          int ws = dlz_width(any);
          wsub = ws > wsub ? ws : wsub;
          zvw += 4 + nzs * ws;
        }
      }
    } else if (bu && tab && p->k == 0 && p->zp == p->qmin) /* the table is then q - zp (tab[q] >= 0 for every int8 q): */
      for (i = 0; i < ne; i++) ub[i] = (unsigned short)(((const int8_t *)x)[xo + i] - p->zp); /* a loop compilers vectorize */
    else if (bu && tab) /* int8 values looked up in one tight loop */
      for (i = 0; i < ne; i++) ub[i] = tab[(unsigned char)((const int8_t *)x)[xo + i]];
    /* one pass for every mode's size: zero points, the width, the sub-blocks with a nonzero */
    for (s = 0; !b8 && s < ne; s += p->sub) {
      unsigned any = 0;
      e = s + p->sub < ne ? s + p->sub : ne;
      long long nzs = 0;
      uint64_t sm = 0, v4 = 0; /* the sub-block's mask bits */
      i = s;
      if (bu && tab && e - s <= 64) { /* four looked-up values per 64-bit word */
        for (; i + 4 <= e; i += 4) {
          uint64_t v = (uint64_t)ub[i] | (uint64_t)ub[i + 1] << 16 | (uint64_t)ub[i + 2] << 32 | (uint64_t)ub[i + 3] << 48;
          uint64_t t = (v | ((v & 0x7fff7fff7fff7fffull) + 0x7fff7fff7fff7fffull)) >> 15 & 0x0001000100010001ull;
          v4 |= v;
          sm |= (t * 0x0000200040008001ull >> 45 & 15u) << (i - s); /* lane j's nonzero bit to bit j */
        }
        v4 |= v4 >> 32, v4 |= v4 >> 16;
        any = (unsigned)(v4 & 0xffffu), nzs = dlz_pop(sm);
      }
      for (; i < e; i++) {
        unsigned u = bu && tab ? ub[i] : dlz_ux(p, x, es, xo + i, tab);
        if (bu) ub[i] = (unsigned short)u;
        any |= u;
        nzs += u != 0;
        sm |= (uint64_t)(u != 0) << ((i - s) & 63); /* used only when the sub-block fits (fm) */
      }
      if (bu) sa[s / p->sub] = (unsigned short)(any > 65535 ? 65535 : any);
      for (i = 0; bu && fm && i < (e - s + 7) / 8; i++) mk[(s >> 3) + i] = (unsigned char)(sm >> (8 * i));
      uor |= any;
      nz += nzs;
      nzsub += any ? e - s : 0;
      if (any) { /* ZVW: this sub-block's width and values */
        int ws = dlz_width(any);
        wsub = ws > wsub ? ws : wsub;
        zvw += 4 + nzs * ws;
      }
    }
    w = dlz_width(uor); /* the width of the largest u is that of their OR */
    size[DLZ_RAW] = (ne * p->bits + 7) / 8;
    size[DLZ_ZERO] = nz ? -1 : 0;
    size[DLZ_PACK] = w <= 16 ? (ne * w + 7) / 8 : -1;
    size[DLZ_ZVC] = w <= 16 ? (ne + 7) / 8 + (nz * w + 7) / 8 : -1;
    size[DLZ_ZB] = w <= 16 ? (nsub + 7) / 8 + (nzsub * w + 7) / 8 : -1;
    size[DLZ_ZVW] = wsub <= 16 ? (ne + 7) / 8 + (zvw + 7) / 8 : -1;
    for (m = 1; m < DLZ_MODES; m++)
      if ((p->modes >> m & 1u) && size[m] >= 0 && size[m] < size[mode]) mode = m;
    if ((size_t)size[mode] + 1 > cap - table - at) return 0; /* the block does not fit: the budget is exceeded */
    blk[0] = (unsigned char)(mode | (mode >= DLZ_PACK && mode != DLZ_ZVW ? (w - 1) << 3 : 0));
    mb = mode == DLZ_ZVC || mode == DLZ_ZVW ? (ne + 7) / 8 : mode == DLZ_ZB ? (nsub + 7) / 8 : 0; /* the mask's bytes */
    o.p = pay + mb, o.buf = 0, o.have = 0;
    if (b8 && mode >= DLZ_PACK) { /* the values into a staging buffer (dlz_put stores whole words), then copied */
      unsigned char sg[328];
      dlz_wr q = {sg, 0, 0};
      if (mode == DLZ_ZVC || mode == DLZ_ZVW) memcpy(pay, mk, (size_t)mb);
      if (mode == DLZ_PACK) dlz_pack8(&q, u8, ne, w);
      else if (mode == DLZ_ZVC) dlz_pack8(&q, c8, dlz_nzs8(u8, mk, ne, c8), w);
      for (s = 0; mode >= DLZ_ZB && s < ne; s += p->sub) {
        unsigned any = sa[s / p->sub];
        e = s + p->sub < ne ? s + p->sub : ne;
        if (mode == DLZ_ZB) { /* the sub-block's mask bit, and its values if it has a nonzero */
          long long t = s / p->sub;
          pay[t >> 3] = (unsigned char)((t & 7 ? pay[t >> 3] : 0u) | (unsigned)(any != 0) << (t & 7));
          if (any) dlz_pack8(&q, u8 + s, e - s, w);
        } else if (any) { /* ZVW: the sub-block's width, its nonzero values */
          int ws = dlz_width(any);
          dlz_put(&q, (unsigned)(ws - 1), 4);
          dlz_pack8(&q, c8, dlz_nzs8(u8 + s, mk + (s >> 3), e - s, c8), ws);
        }
      }
      memcpy(pay + mb, sg, (size_t)(q.p - sg) + (q.have > 0));
    } else {
      if ((mode == DLZ_ZVC || mode == DLZ_ZVW) && bu && fm)
        memcpy(pay, mk, (size_t)mb);
      else if (mode == DLZ_ZVC || mode == DLZ_ZVW) /* the zero-point mask, a byte at a time */
        for (s = 0; s < ne; s += 8) {
          unsigned bit = 0;
          e = s + 8 < ne ? s + 8 : ne;
          for (i = s; i < e; i++) bit |= (unsigned)((bu ? bu[i] : dlz_ux(p, x, es, xo + i, tab)) != 0) << (i - s);
          pay[s >> 3] = (unsigned char)bit;
        }
      if (mode == DLZ_RAW) {
        for (i = 0; i < ne; i++)
          dlz_push(&o, (unsigned)(p->zp + dlz_t(p, dlz_ld(x, es, xo + i)) * ((long long)1 << p->k) - p->qmin) & rawmask,
                   p->bits);
      } else if (bu && mode == DLZ_PACK) {
        dlz_pack(&o, ub, ne, w);
      } else if (bu && (mode == DLZ_ZVC || mode == DLZ_ZVW)) { /* nonzero values gathered without a branch, then packed */
        unsigned short c[256];
        for (s = 0; s < ne; s += mode == DLZ_ZVC ? ne : p->sub) {
          long long k = 0;
          int ws = w;
          e = mode == DLZ_ZVC ? ne : s + p->sub < ne ? s + p->sub : ne;
          if (mode == DLZ_ZVW) { /* this sub-block's width first, if it has a nonzero */
            if (!sa[s / p->sub]) continue;
            ws = dlz_width(sa[s / p->sub]);
            dlz_push(&o, (unsigned)(ws - 1), 4);
          }
          for (i = s; i < e; i++) c[k] = ub[i], k += ub[i] != 0;
          dlz_pack(&o, c, k, ws);
        }
      } else if (mode == DLZ_PACK || mode == DLZ_ZVC) { /* ZVC: a zero adds no bits, no branch on the data */
        for (i = 0; i < ne; i++) {
          unsigned u = bu ? bu[i] : dlz_ux(p, x, es, xo + i, tab);
          dlz_push(&o, u, u || mode == DLZ_PACK ? w : 0);
        }
      } else if (mode == DLZ_ZB) {
        unsigned bit = 0;
        for (s = 0; s < nsub; s++) {
          unsigned any = 0;
          e = (s + 1) * p->sub < ne ? (s + 1) * p->sub : ne;
          for (i = s * p->sub; i < e; i++) any |= bu ? bu[i] : dlz_ux(p, x, es, xo + i, tab);
          bit |= (unsigned)(any != 0) << (s & 7);
          if ((s & 7) == 7 || s == nsub - 1) pay[s >> 3] = (unsigned char)bit, bit = 0;
          if (any && bu) dlz_pack(&o, bu + s * p->sub, e - s * p->sub, w);
          else for (i = s * p->sub; any && i < e; i++) dlz_push(&o, dlz_ux(p, x, es, xo + i, tab), w);
        }
      } else if (mode == DLZ_ZVW) { /* per sub-block with a nonzero: its width, then its nonzero values */
        for (s = 0; s < ne; s += p->sub) {
          unsigned any = 0;
          int ws;
          e = s + p->sub < ne ? s + p->sub : ne;
          if (bu) any = sa[s / p->sub];
          else for (i = s; i < e; i++) any |= dlz_ux(p, x, es, xo + i, tab);
          if (!any) continue;
          ws = dlz_width(any);
          dlz_push(&o, (unsigned)(ws - 1), 4);
          for (i = s; i < e; i++) {
            unsigned u = bu ? bu[i] : dlz_ux(p, x, es, xo + i, tab);
            dlz_push(&o, u, u ? ws : 0);
          }
        }
      }
      dlz_flush(&o);
    }
    at += 1 + (size_t)size[mode];
    out[4 * b] = (unsigned char)(at & 255), out[4 * b + 1] = (unsigned char)(at >> 8 & 255);
    out[4 * b + 2] = (unsigned char)(at >> 16 & 255), out[4 * b + 3] = (unsigned char)(at >> 24 & 255);
  }
  return table + at;
}
/* @end */

/* @fn dlz_encode_blocks uses dlz_enc */
size_t dlz_encode_blocks(const dlz_params *p, const void *x, int es, long long n, long long b0, long long b1,
                         unsigned char *out, size_t cap) {
  return dlz_enc(p, x, es, n, b0, b1, out, cap, 0, 0);
}
/* @end */

/* @fn dlz_encode uses dlz_encode_blocks dlz_bound */
size_t dlz_encode(const dlz_params *p, const void *x, int es, long long n, unsigned char *out) {
  return dlz_encode_blocks(p, x, es, n, 0, (n + p->block - 1) / p->block, out, dlz_bound(p, n));
}
/* @end */

/* @fn dlz_run uses dlz_st dlz_bits dlz_q dlz_b8 */
/* A ReLU int8 run's values are spread over its mask by one VPEXPANDB where the
 * processor has AVX-512 VBMI2: always in a build for it (-march=native on such
 * a processor); in another x86-64 build by gcc or clang, through a target
 * attribute and a run-time check, as qrt_simd does. The same bytes as the
 * portable loop, which -DDLC_DLZ_PORTABLE (or another machine) keeps. */
#if defined(__AVX512VBMI2__) && defined(__AVX512BW__) && !defined(DLC_DLZ_PORTABLE)
#define DLZ_VBMI2 1
#define DLZ_TZ
#define DLZ_USE_Z() 1
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(DLC_DLZ_PORTABLE)
#define DLZ_VBMI2 1
#define DLZ_TZ __attribute__((target("avx512f,avx512bw,avx512vbmi2")))
#define DLZ_USE_Z() (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi2"))
#endif
#ifdef DLZ_VBMI2
#include <immintrin.h>
/* y8[0..n) = zp + (the next of v[0..cnt) where bit t of mb is set, else 0); n, cnt <= 56, v[] < 256. */
static DLZ_TZ void dlz_expand_z(int8_t *y8, const unsigned short *v, long long cnt, uint64_t mb, long long n, long long zp) {
  __m256i lo = _mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi16(cnt >= 32 ? ~0u : (1u << cnt) - 1, v));
  __m256i hi = _mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi16(cnt > 32 ? (1u << (cnt - 32)) - 1 : 0u, v + 32));
  __m512i r = _mm512_maskz_expand_epi8((__mmask64)mb, _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
  _mm512_mask_storeu_epi8(y8, ((__mmask64)1 << n) - 1, _mm512_add_epi8(r, _mm512_set1_epi8((char)zp)));
}
/* The same from bytes: y8[0..n) = zp + (the next of c8[0..64) where bit t of mb is set, else 0); n <= 64. */
static DLZ_TZ void dlz_expand8(int8_t *y8, const unsigned char *c8, uint64_t mb, long long n, int zp) {
  __m512i r = _mm512_maskz_expand_epi8((__mmask64)mb, _mm512_loadu_si512((const void *)c8));
  _mm512_mask_storeu_epi8(y8, n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1,
                          _mm512_add_epi8(r, _mm512_set1_epi8((char)zp)));
}
#endif
/* Decodes elements [j0, j1) of a block, whose zero-point mask is `mask` (null:
 * every element is stored, PACK) and whose stored values start, element j0's
 * first, at bit pos of b[0..len) in w bits, to y[yo, yo + j1 - j0); returns
 * the bit after the last value read. 56 elements at a time: their stored
 * values unpacked at once, then spread over the mask without a branch. */
static long long dlz_run(const dlz_params *p, const unsigned char *b, long long len, long long pos, int w,
                         const unsigned char *mask, long long j0, long long j1, void *y, int es, long long yo) {
  unsigned short v[57];
  long long j, t, k, n, cnt;
  int relu8 = es == 1 && p->k == 0 && p->zp == p->qmin; /* a ReLU output stored as int8: q = zp + u */
#ifdef DLZ_VBMI2
  int vz = relu8 && DLZ_USE_Z();
#endif
  for (j = j0; j < j1; j += n) {
    uint64_t mb;
    n = j1 - j < 56 ? j1 - j : 56;
    mb = mask ? dlz_mbits(mask, j, j + n) : ((uint64_t)1 << n) - 1;
    cnt = dlz_pop(mb);
    dlz_unpack(b, len, pos, w, cnt, v);
    v[cnt] = 0, pos += cnt * w;
    if (relu8) {
      int8_t *y8 = (int8_t *)y + yo + (j - j0);
#ifdef DLZ_VBMI2
      if (w <= 8 && vz) {
        dlz_expand_z(y8, v, cnt, mb, n, p->zp);
        continue;
      }
#endif
      for (t = 0, k = 0; t < n; t++, mb >>= 1) {
        unsigned on = (unsigned)mb & 1u;
        y8[t] = (int8_t)(p->zp + (long long)(v[k] & (0u - on)));
        k += on;
      }
    } else {
      for (t = 0, k = 0; t < n; t++, mb >>= 1) {
        unsigned on = (unsigned)mb & 1u;
        dlz_st(y, es, yo + (j - j0) + t, dlz_q(p, v[k] & (0u - on)));
        k += on;
      }
    }
  }
  return pos;
}

/* The inverse of dlz_sq8: 8w bits (w 1..7, nothing above them) as eight bytes of w bits, the lowest first. */
static inline uint64_t dlz_sp8(uint64_t x, int w) {
  const uint64_t l2 = (((uint64_t)1 << (2 * w)) - 1) * 0x0000000100000001ull;
  const uint64_t l1 = (((uint64_t)1 << w) - 1) * 0x0001000100010001ull;
  x = (x & (((uint64_t)1 << (4 * w)) - 1)) | (x >> (4 * w)) << 32;
  x = (x & l2) | (x >> (2 * w) & l2) << 16;
  return (x & l1) | (x >> w & l1) << 8;
}

/* A whole ZVW block of ne ReLU int8 values (es 1, k 0, zp the storage
 * minimum: q = zp + u) whose sub-blocks are whole mask bytes (sub a multiple
 * of 8, at most 64), from its checked payload b[0..len) into y8[0..ne): per
 * sub-block, its values unpacked eight at a time into bytes (dlz_sp8), then
 * spread over its mask; what dlz_run gives, which takes a sub-block wider
 * than 8 bits (only a corrupt buffer has one). */
static void dlz_zvw8(const dlz_params *p, const unsigned char *b, long long len, long long ne, int8_t *y8) {
  unsigned char c8[72] = {0};
  long long s, pos = (ne + 7) / 8 * 8;
  int zp = (int)p->zp;
#ifdef DLZ_VBMI2
  int vz = DLZ_USE_Z();
#endif
  for (s = 0; s < ne; s += p->sub) {
    long long e = s + p->sub < ne ? s + p->sub : ne, n = e - s, cnt, g, t, k;
    uint64_t sm = 0;
    int w;
    for (t = 0; t < (n + 7) / 8; t++) sm |= (uint64_t)b[(s >> 3) + t] << (8 * t);
    if (n < 64) sm &= ((uint64_t)1 << n) - 1;
    cnt = dlz_pop(sm);
    if (!cnt) {
      for (t = 0; t < n; t++) y8[s + t] = (int8_t)zp;
      continue;
    }
    w = (int)(dlz_peek(b, len, pos) & 15u) + 1;
    pos += 4;
    if (w > 8) {
      pos = dlz_run(p, b, len, pos, w, b, s, e, y8, 1, s);
      continue;
    }
    for (g = 0; g < cnt; g += 8) {
      long long at = pos + g * w;
      uint64_t x = w == 8 ? (dlz_peek(b, len, at) & 0xffffffffull) | (dlz_peek(b, len, at + 32) & 0xffffffffull) << 32
                          : dlz_sp8(dlz_peek(b, len, at) & (((uint64_t)1 << (8 * w)) - 1), w);
      dlz_st64(c8 + g, x);
    }
    pos += cnt * w;
#ifdef DLZ_VBMI2
    if (vz) {
      dlz_expand8(y8 + s, c8, sm, n, zp);
      continue;
    }
#endif
    for (t = 0, k = 0; t < n; t++) {
      unsigned on = (unsigned)(sm >> t) & 1u;
      y8[s + t] = (int8_t)(zp + (int)(c8[k] & (0u - on)));
      k += on;
    }
  }
}
/* @end */

/* @fn dlz_decode uses dlz_st dlz_bits dlz_payload dlz_q dlz_run */
int dlz_decode(const dlz_params *pp, const unsigned char *in, size_t len, long long n, long long i0, long long i1,
               void *y, int es) {
  const dlz_params pv = *pp, *p = &pv; /* a copy the compiler can keep in registers while writing y */
  long long nb = (n + p->block - 1) / p->block, b;
  size_t table = 4 * (size_t)(nb + 1);
  const unsigned char *data = in + table;
  if (n < 0 || i0 < 0 || i1 > n || i0 > i1 || len < table) return 0;
  for (b = i0 / p->block; b * p->block < i1; b++) {
    size_t lo = dlz_le32(in + 4 * b), hi = dlz_le32(in + 4 * b + 4);
    long long e0 = b * p->block, ne = e0 + p->block <= n ? p->block : n - e0, j, s, a, z, yo = e0 - i0;
    long long nsub = (ne + p->sub - 1) / p->sub, want;
    const unsigned char *pay, *end;
    int mode, w;
    dlz_rd r;
    if (lo >= hi || hi > len - table) return 0;
    mode = data[lo] & 7, w = (data[lo] >> 3) + 1;
    pay = data + lo + 1, end = data + hi;
    if (mode >= DLZ_MODES || w > 16 || ((mode < DLZ_PACK || mode == DLZ_ZVW) && data[lo] >> 3)) return 0;
    want = dlz_payload(p, mode, w, ne, pay, hi - lo - 1);
    if (want < 0 || (size_t)want != hi - lo - 1) return 0;
    a = i0 > e0 ? i0 - e0 : 0, z = i1 < e0 + ne ? i1 - e0 : ne; /* the block's elements wanted */
    if (mode == DLZ_RAW) {
      dlz_rd_at(&r, pay, end, a * p->bits);
      for (j = a; j < z; j++) dlz_st(y, es, yo + j, (long long)dlz_take(&r, p->bits, 1) + p->qmin);
    } else if (mode == DLZ_ZERO) {
      for (j = a; j < z; j++) dlz_st(y, es, yo + j, p->zp);
    } else if (mode == DLZ_PACK) {
      dlz_run(p, pay, end - pay, a * w, w, 0, a, z, y, es, yo + a);
    } else if (mode == DLZ_ZVC) { /* a zero point reads no bits, and dlz_q(0) is the zero point */
      dlz_run(p, pay, end - pay, (ne + 7) / 8 * 8 + dlz_ones(pay, a) * w, w, pay, a, z, y, es, yo + a);
    } else if (mode == DLZ_ZVW && es == 1 && p->k == 0 && p->zp == p->qmin && p->sub % 8 == 0 && p->sub <= 64 &&
               a == 0 && z == ne) { /* a whole ReLU int8 block, as dlz_rows_get decodes them: on bytes */
      dlz_zvw8(p, pay, end - pay, ne, (int8_t *)y + yo);
    } else if (mode == DLZ_ZVW) { /* sub-blocks before the first wanted one are skipped by their widths */
      long long pos = (ne + 7) / 8 * 8;
      for (s = 0; s < z; s += p->sub) {
        long long e = s + p->sub < ne ? s + p->sub : ne, cnt = dlz_ones_in(pay, s, e), lo = s > a ? s : a;
        w = cnt ? (int)(dlz_peek(pay, end - pay, pos) & 15u) + 1 : 1;
        pos += cnt ? 4 : 0;
        if (e > a)
          dlz_run(p, pay, end - pay, pos + (lo > s ? dlz_ones_in(pay, s, lo) * w : 0), w, pay, lo, e < z ? e : z, y, es,
                  yo + lo);
        pos += cnt * w;
      }
    } else {
      long long s0 = a / p->sub, on0 = pay[s0 >> 3] >> (s0 & 7) & 1;
      dlz_rd_at(&r, pay, end, (nsub + 7) / 8 * 8 + (dlz_ones(pay, s0) * p->sub + (on0 ? a - s0 * p->sub : 0)) * w);
      for (s = s0, j = a; j < z; s++) {
        unsigned on = pay[s >> 3] >> (s & 7) & 1u;
        long long e = (s + 1) * p->sub < z ? (s + 1) * p->sub : z;
        for (; j < e; j++) dlz_st(y, es, yo + j, dlz_q(p, dlz_take(&r, w, on)));
      }
    }
  }
  return 1;
}
/* @end */

/* @fn dlz_rows_get uses dlz_decode dlz_cpy */
int dlz_rows_get(const dlz_params *p, const unsigned char *in, size_t len, long long C, long long H, long long W,
                 long long r0, long long r1, int es, void *y, void *tmp, dlz_rows *st) {
  long long n = C * H * W, R = r1 - r0, Rold = st->r1 - st->r0, k0 = r0 > st->r0 ? r0 : st->r0;
  long long k1 = r1 < st->r1 ? r1 : st->r1, c, h, w, j, i, end, d0 = r0, d1 = r1;
  unsigned char *yb = (unsigned char *)y;
  size_t row = (size_t)(W * es);
  /* rows held from the last band move to their place in this one, when one
   * direction of copying can do it (the usual case: bands sliding down) */
  if (k0 < k1 && ((R <= Rold && r0 >= st->r0) || (R >= Rold && r0 <= st->r0))) {
    int down = R <= Rold && r0 >= st->r0;
    for (j = 0; j < C * (k1 - k0); j++) {
      long long t = down ? j : C * (k1 - k0) - 1 - j;
      c = t / (k1 - k0), h = k0 + t % (k1 - k0);
      memmove(yb + (size_t)((c * R + h - r0) * W * es), yb + (size_t)((c * Rold + h - st->r0) * W * es), row);
    }
    if (k0 == r0) d0 = k1; /* what is left to decode: [d0, d1) */
    else if (k1 == r1) d1 = k0;
  }
  st->r0 = r0, st->r1 = r1;
  i = d0 * W * C, end = d1 * W * C;
  c = 0, h = d0, w = 0;
  while (i < end) {
    long long b = i / p->block, e = (b + 1) * p->block < end ? (b + 1) * p->block : end;
    long long bs = b * p->block, be = bs + p->block < n ? bs + p->block : n;
    if (st->block != b) { /* the block stays in tmp: the next band often starts in it */
      st->block = -1;
      if (!dlz_decode(p, in, len, n, bs, be, tmp, es)) return st->r1 = st->r0, 0;
      st->block = b;
    }
    if (C == 1) { /* one channel: rows are contiguous */
      dlz_cpy(y, i - r0 * W, 1, tmp, i - bs, 1, e - i, es);
      i = e;
      continue;
    }
    while (i < e) { /* a run of channels at one position goes to C rows of y */
      long long run = C - c < e - i ? C - c : e - i;
      dlz_cpy(y, (c * R + h - r0) * W + w, R * W, tmp, i - bs, 1, run, es);
      i += run, c += run;
      if (c == C) {
        c = 0;
        if (++w == W) w = 0, h++;
      }
    }
  }
  return 1;
}
/* @end */

/* @fn dlz_rows_put uses dlz_enc dlz_cpy */
int dlz_rows_put(const dlz_params *p, unsigned char *out, size_t cap, long long C, long long H, long long W,
                 long long rows, const void *x, int es, void *pend, dlz_stream *s) {
  long long n = C * H * W, c = 0, pos = 0, i = 0, m = C * rows * W, fill = s->fill;
  long long full = s->block * p->block + p->block < n ? p->block : n - s->block * p->block;
  if (es == 1 && !s->tab) { /* the encoder looks int8 values up rather than rounding each twice */
    unsigned most = 0;
    for (c = 0; c < 256; c++) {
      unsigned u = dlz_u(p, dlz_t(p, (int8_t)c));
      s->u[c] = (unsigned short)u;
      most = u > most ? u : most;
    }
    s->tab = most > 65535 ? 2 : most > 255 ? 1 : 3; /* 2: values outside qmin..qmax, computed as they come */
  }
  c = 0;
  while (i < m) {
    /* a run of one position's channels (C rows of x), or with one channel of whole rows */
    long long run = C == 1 ? m - i : C - c;
    run = run < full - fill ? run : full - fill;
    if (C == 1) dlz_cpy(pend, fill, 1, x, i, 1, run, es);
    else dlz_cpy(pend, fill, 1, x, c * rows * W + pos, rows * W, run, es);
    fill += run, i += run, c = C == 1 ? 0 : c + run;
    if (c == C) c = 0, pos++;
    if (fill == full) { /* a block is complete (the last one may be short) */
      if (!dlz_enc(p, pend, es, n, s->block, s->block + 1, out, cap, s->tab & 1 ? s->u : 0, s->tab == 3)) return 0;
      s->block++, fill = 0;
      full = s->block * p->block + p->block < n ? p->block : n - s->block * p->block;
    }
  }
  s->fill = fill;
  return 1;
}
/* @end */
