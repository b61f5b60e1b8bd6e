/* Exact sums of doubles: a fixed-point accumulator wide enough for every
 * finite double, so the sum does not depend on the order of the additions
 * or on how they are split and merged. The simulators keep their time,
 * energy and byte totals in these (dlc-run --jobs, --shard and --merge give
 * the bytes of one run: docs/scale.md). */
#ifndef DLC_XSUM_H
#define DLC_XSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define DL_XSUM_LIMBS 68 /* 32-bit digits from 2^-1088 up: every finite double, and carries */

typedef struct {
  uint64_t pos[DL_XSUM_LIMBS], neg[DL_XSUM_LIMBS]; /* positive and negative terms, apart */
  uint32_t adds;                                     /* since the digits were last carried */
} DlXSum;

/* s += x (finite; NaN and Inf are ignored). */
void dl_xsum_add(DlXSum *s, double x);
void dl_xsum_merge(DlXSum *into, const DlXSum *from);
/* The sum of the positive terms rounded to nearest, minus that of the
 * negative terms (each exact before its one rounding; normal range). */
double dl_xsum_value(DlXSum *s);
/* n doubles against their n sums: fold adds v[i] to s[i] (when add) and
 * zeroes v[i]; load sets v[i] to s[i]'s value. A simulator keeps one run's
 * figures in v and the totals in s. */
void dl_xsum_fold(DlXSum *s, double *v, int n, bool add);
void dl_xsum_load(DlXSum *s, double *v, int n);
/* Its digits written (little-endian, sparse) / read back; read returns false
 * on malformed or truncated bytes (*p advanced). */
void dl_xsum_write(FILE *f, DlXSum *s);
bool dl_xsum_read(const unsigned char **p, const unsigned char *end, DlXSum *s);

#endif
