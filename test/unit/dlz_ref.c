/* The dlz codec as first written, element at a time (lib/compress/dlz.c at
 * e26f16c), with ZVW added the same way: the reference that dlc-unit-dlz
 * checks the word-at-a-time codec against, byte for byte. Included by
 * unit_dlz.c; not built on its own. */
#include <string.h>

static long long ref_ld(const void *x, int es, long long i) {
  return es == 1 ? ((const int8_t *)x)[i] : es == 2 ? ((const int16_t *)x)[i] : ((const int32_t *)x)[i];
}

static void ref_st(void *y, int es, long long i, long long v) {
  if (es == 1) ((int8_t *)y)[i] = (int8_t)v;
  else if (es == 2) ((int16_t *)y)[i] = (int16_t)v;
  else ((int32_t *)y)[i] = (int32_t)v;
}

/* Writes the low `bits` bits of v at bit position *pos of b (b zeroed beforehand). */
static void ref_put(unsigned char *b, size_t *pos, unsigned v, int bits) {
  while (bits > 0) { /* a byte's worth at a time */
    int o = (int)(*pos & 7), n = 8 - o < bits ? 8 - o : bits;
    b[*pos >> 3] |= (unsigned char)((v & ((1u << n) - 1)) << o);
    v >>= n, *pos += (size_t)n, bits -= n;
  }
}

static unsigned ref_get(const unsigned char *b, size_t *pos, int bits) {
  unsigned v = 0;
  int got = 0;
  while (got < bits) { /* a byte's worth at a time */
    int o = (int)(*pos & 7), n = 8 - o < bits - got ? 8 - o : bits - got;
    v |= (unsigned)(b[*pos >> 3] >> o & ((1u << n) - 1)) << got;
    got += n, *pos += (size_t)n;
  }
  return v;
}

static size_t ref_bound(const dlz_params *p, long long n) {
  long long nb = (n + p->block - 1) / p->block;
  return (size_t)(4 * (nb + 1) + nb + (n * p->bits + 7) / 8 + nb);
}

static long long ref_lossy(const dlz_params *p, long long q) {
  long long d = (long long)1 << p->k, v = q - p->zp + d / 2;
  if (p->k == 0) return q;
  v = (v >= 0 ? v >> p->k : -((-v + d - 1) >> p->k)) * d + p->zp; /* nearest multiple of 2^k, ties up */
  return v > p->qmax ? v - d : v < p->qmin ? v + d : v;  /* stays in range */
}

/* Element i of x as the K-lossy encoding keeps it. */
static long long ref_val(const dlz_params *p, const void *x, int es, long long i) {
  long long q = ref_ld(x, es, i);
  return p->k ? ref_lossy(p, q) : q;
}

/* A value's distance from the zero point in units of 2^k, as stored by the
 * narrowed modes (q already K-lossy). */
static unsigned ref_u(const dlz_params *p, long long q) {
  long long v = q - p->zp >= 0 ? (q - p->zp) >> p->k : -((p->zp - q) >> p->k); /* exact: a multiple of 2^k */
  if (p->zp == p->qmin) return (unsigned)v;
  return v >= 0 ? (unsigned)(2 * v) : (unsigned)(-2 * v - 1);
}

static long long ref_q(const dlz_params *p, unsigned u) {
  long long v = p->zp == p->qmin ? (long long)u : u & 1u ? -(long long)(u >> 1) - 1 : (long long)(u >> 1);
  return p->zp + v * ((long long)1 << p->k);
}

static int ref_width(unsigned u) {
  int w = 1;
  while (w < 32 && u >> w) w++;
  return w;
}

/* Bytes of a block's payload for mode m (width w), given its elements and (for
 * ZVC / ZB / ZVW) the bitmask that starts the payload; -1 if the mask does not fit
 * in `avail`. */
static long long ref_payload(const dlz_params *p, int m, int w, long long ne, const unsigned char *mask, size_t avail) {
  long long i, cnt = 0, nsub = (ne + p->sub - 1) / p->sub, mb;
  if (m == DLZ_RAW) return (ne * p->bits + 7) / 8;
  if (m == DLZ_ZERO) return 0;
  if (m == DLZ_PACK) return (ne * w + 7) / 8;
  mb = ((m == DLZ_ZB ? nsub : ne) + 7) / 8;
  if ((size_t)mb > avail) return -1;
  if (m == DLZ_ZVW) { /* each sub-block with a nonzero: a 4-bit width (zeros past the payload), then its values */
    size_t bits = 0;
    for (long long s = 0; s < nsub; s++) {
      long long c = 0;
      unsigned ws = 0;
      for (i = s * p->sub; i < (s + 1) * p->sub && i < ne; i++) c += mask[i >> 3] >> (i & 7) & 1;
      if (!c) continue;
      for (int k = 0; k < 4; k++, bits++) ws |= (bits >> 3 < avail - (size_t)mb ? mask[mb + (long long)(bits >> 3)] >> (bits & 7) & 1u : 0u) << k;
      bits += (size_t)(c * (long long)(ws + 1));
    }
    return mb + (long long)((bits + 7) / 8);
  }
  if (m == DLZ_ZVC) {
    for (i = 0; i < ne / 8; i++) { /* a byte at a time */
      unsigned v = mask[i];
      while (v) v &= v - 1, cnt++;
    }
    for (i = ne / 8 * 8; i < ne; i++) cnt += mask[i >> 3] >> (i & 7) & 1;
  } else {
    for (i = 0; i < nsub; i++)
      if (mask[i >> 3] >> (i & 7) & 1) cnt += (i + 1) * p->sub <= ne ? p->sub : ne - i * p->sub;
  }
  return mb + (cnt * w + 7) / 8;
}

static size_t ref_encode_blocks(const dlz_params *pp, const void *x, int es, long long n, long long b0, long long b1,
                         unsigned char *out, size_t cap) {
  const dlz_params pv = *pp, *p = &pv; /* a copy the compiler can keep in registers while writing bytes */
  long long nb = (n + p->block - 1) / p->block, b, i;
  size_t table = 4 * (size_t)(nb + 1), at;
  unsigned char *data = out + table;
  if (b0 < 0 || b1 > nb || b0 > b1 || cap < table) return 0;
  if (b0 == 0) out[0] = out[1] = out[2] = out[3] = 0;
  at = (size_t)out[4 * b0] | (size_t)out[4 * b0 + 1] << 8 | (size_t)out[4 * b0 + 2] << 16 | (size_t)out[4 * b0 + 3] << 24;
  if (at > cap - table) return 0;
  for (b = b0 + 1; b <= b1; b++) {
    long long i0 = (b - 1) * p->block, ne = i0 + p->block <= n ? p->block : n - i0, nz = 0, nzsub = 0, s;
    long long nsub = (ne + p->sub - 1) / p->sub, size[DLZ_MODES], xo = i0 - b0 * p->block, zvw = 0;
    unsigned umax = 0, wsub = 0;
    int mode = DLZ_RAW, m, w;
    size_t pos = 0;
    unsigned char *blk = data + at, *pay = blk + 1;
    for (i = 0; i < ne; i++) {
      unsigned u = ref_u(p, ref_val(p, x, es, xo + i));
      nz += u != 0;
      umax = u > umax ? u : umax;
    }
    w = ref_width(umax);
    for (s = 0; (p->modes >> DLZ_ZB & 1u) && s < nsub; s++) {
      long long e = (s + 1) * p->sub <= ne ? p->sub : ne - s * p->sub, any = 0;
      for (i = 0; i < e; i++) any |= ref_val(p, x, es, xo + s * p->sub + i) != p->zp;
      nzsub += any ? e : 0;
    }
    size[DLZ_RAW] = (ne * p->bits + 7) / 8;
    size[DLZ_ZERO] = nz ? -1 : 0;
    size[DLZ_PACK] = w <= 16 ? (ne * w + 7) / 8 : -1;
    size[DLZ_ZVC] = w <= 16 ? (ne + 7) / 8 + (nz * w + 7) / 8 : -1;
    size[DLZ_ZB] = w <= 16 ? (nsub + 7) / 8 + (nzsub * w + 7) / 8 : -1;
    for (s = 0; s < nsub; s++) { /* ZVW: per sub-block with a nonzero, its width and its nonzero values */
      unsigned smax = 0;
      long long c = 0;
      for (i = s * p->sub; i < (s + 1) * p->sub && i < ne; i++) {
        unsigned u = ref_u(p, ref_val(p, x, es, xo + i));
        c += u != 0, smax = u > smax ? u : smax;
      }
      if (c) zvw += 4 + c * ref_width(smax), wsub = (unsigned)ref_width(smax) > wsub ? (unsigned)ref_width(smax) : wsub;
    }
    size[DLZ_ZVW] = wsub <= 16 ? (ne + 7) / 8 + (zvw + 7) / 8 : -1;
    for (m = 1; m < DLZ_MODES; m++)
      if ((p->modes >> m & 1u) && size[m] >= 0 && size[m] < size[mode]) mode = m;
    if ((size_t)size[mode] + 1 > cap - table - at) return 0; /* the block does not fit: the budget is exceeded */
    blk[0] = (unsigned char)(mode | (mode >= DLZ_PACK && mode != DLZ_ZVW ? (w - 1) << 3 : 0));
    memset(pay, 0, (size_t)size[mode]);
    if (mode == DLZ_RAW) {
      for (i = 0; i < ne; i++) ref_put(pay, &pos, (unsigned)(ref_val(p, x, es, xo + i) - p->qmin), p->bits);
    } else if (mode == DLZ_PACK) {
      for (i = 0; i < ne; i++) ref_put(pay, &pos, ref_u(p, ref_val(p, x, es, xo + i)), w);
    } else if (mode == DLZ_ZVC) {
      pos = (size_t)((ne + 7) / 8) * 8;
      for (i = 0; i < ne; i++) {
        unsigned u = ref_u(p, ref_val(p, x, es, xo + i));
        if (!u) continue;
        pay[i >> 3] |= (unsigned char)(1u << (i & 7));
        ref_put(pay, &pos, u, w);
      }
    } else if (mode == DLZ_ZB) {
      pos = (size_t)((nsub + 7) / 8) * 8;
      for (s = 0; s < nsub; s++) {
        long long e = (s + 1) * p->sub <= ne ? p->sub : ne - s * p->sub, any = 0;
        for (i = 0; i < e; i++) any |= ref_val(p, x, es, xo + s * p->sub + i) != p->zp;
        if (!any) continue;
        pay[s >> 3] |= (unsigned char)(1u << (s & 7));
        for (i = 0; i < e; i++) ref_put(pay, &pos, ref_u(p, ref_val(p, x, es, xo + s * p->sub + i)), w);
      }
    } else if (mode == DLZ_ZVW) {
      pos = (size_t)((ne + 7) / 8) * 8;
      for (s = 0; s < nsub; s++) {
        unsigned smax = 0;
        for (i = s * p->sub; i < (s + 1) * p->sub && i < ne; i++) {
          unsigned u = ref_u(p, ref_val(p, x, es, xo + i));
          smax = u > smax ? u : smax;
          if (u) pay[i >> 3] |= (unsigned char)(1u << (i & 7));
        }
        if (!smax) continue;
        ref_put(pay, &pos, (unsigned)ref_width(smax) - 1, 4);
        for (i = s * p->sub; i < (s + 1) * p->sub && i < ne; i++) {
          unsigned u = ref_u(p, ref_val(p, x, es, xo + i));
          if (u) ref_put(pay, &pos, u, ref_width(smax));
        }
      }
    }
    at += 1 + (size_t)size[mode];
    out[4 * b] = (unsigned char)(at & 255), out[4 * b + 1] = (unsigned char)(at >> 8 & 255);
    out[4 * b + 2] = (unsigned char)(at >> 16 & 255), out[4 * b + 3] = (unsigned char)(at >> 24 & 255);
  }
  return table + at;
}

static size_t ref_encode(const dlz_params *p, const void *x, int es, long long n, unsigned char *out) {
  return ref_encode_blocks(p, x, es, n, 0, (n + p->block - 1) / p->block, out, ref_bound(p, n));
}

static int ref_decode(const dlz_params *pp, const unsigned char *in, size_t len, long long n, long long i0, long long i1,
               void *y, int es) {
  const dlz_params pv = *pp, *p = &pv; /* a copy the compiler can keep in registers while writing y */
  long long nb = (n + p->block - 1) / p->block, b;
  size_t table = 4 * (size_t)(nb + 1);
  const unsigned char *data = in + table;
  if (n < 0 || i0 < 0 || i1 > n || i0 > i1 || len < table) return 0;
  for (b = i0 / p->block; b * p->block < i1; b++) {
    const unsigned char *t = in + 4 * b;
    size_t lo = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    size_t hi = (size_t)t[4] | (size_t)t[5] << 8 | (size_t)t[6] << 16 | (size_t)t[7] << 24;
    long long e0 = b * p->block, ne = e0 + p->block <= n ? p->block : n - e0, j, s, a, z;
    long long nsub = (ne + p->sub - 1) / p->sub, want;
    const unsigned char *pay;
    int mode, w;
    size_t pos = 0;
    if (lo >= hi || hi > len - table) return 0;
    mode = data[lo] & 7, w = (data[lo] >> 3) + 1;
    pay = data + lo + 1;
    if (mode >= DLZ_MODES || w > 16 || ((mode < DLZ_PACK || mode == DLZ_ZVW) && data[lo] >> 3)) return 0;
    want = ref_payload(p, mode, w, ne, pay, hi - lo - 1);
    if (want < 0 || (size_t)want != hi - lo - 1) return 0;
    a = i0 > e0 ? i0 - e0 : 0, z = i1 < e0 + ne ? i1 - e0 : ne; /* the block's elements wanted */
    if (mode == DLZ_RAW) {
      pos = (size_t)(a * p->bits);
      for (j = a; j < z; j++) ref_st(y, es, e0 + j - i0, (long long)ref_get(pay, &pos, p->bits) + p->qmin);
    } else if (mode == DLZ_ZERO) {
      for (j = a; j < z; j++) ref_st(y, es, e0 + j - i0, p->zp);
    } else if (mode == DLZ_PACK) {
      pos = (size_t)(a * w);
      for (j = a; j < z; j++) ref_st(y, es, e0 + j - i0, ref_q(p, ref_get(pay, &pos, w)));
    } else if (mode == DLZ_ZVC) {
      pos = (size_t)((ne + 7) / 8) * 8;
      for (j = 0; j < z; j++) {
        long long v = pay[j >> 3] >> (j & 7) & 1 ? ref_q(p, ref_get(pay, &pos, w)) : p->zp;
        if (j >= a) ref_st(y, es, e0 + j - i0, v);
      }
    } else if (mode == DLZ_ZVW) { /* the payload's length was checked: every read is inside it */
      pos = (size_t)((ne + 7) / 8) * 8;
      for (s = 0; s < nsub; s++) {
        long long c = 0;
        int ws;
        for (j = s * p->sub; j < (s + 1) * p->sub && j < ne; j++) c += pay[j >> 3] >> (j & 7) & 1;
        ws = c ? (int)ref_get(pay, &pos, 4) + 1 : 1;
        for (j = s * p->sub; j < (s + 1) * p->sub && j < ne; j++) {
          long long v = pay[j >> 3] >> (j & 7) & 1 ? ref_q(p, ref_get(pay, &pos, ws)) : p->zp;
          if (j >= a && j < z) ref_st(y, es, e0 + j - i0, v);
        }
      }
    } else {
      pos = (size_t)((nsub + 7) / 8) * 8;
      for (s = 0; s * p->sub < z; s++) {
        int on = pay[s >> 3] >> (s & 7) & 1;
        for (j = s * p->sub; j < (s + 1) * p->sub && j < ne; j++) {
          long long v = on ? ref_q(p, ref_get(pay, &pos, w)) : p->zp;
          if (j >= a && j < z) ref_st(y, es, e0 + j - i0, v);
        }
      }
    }
  }
  return 1;
}

