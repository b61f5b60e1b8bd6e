/* The per-group rounding step shared by --wround=gptq (gptq.c) and
 * --wround=adaround (adaround.c): gptq.c's driver reads each layer's weights,
 * scales and bias, hands them over one group (of a grouped conv) at a time,
 * and writes back what comes out. Not a public API. */
#ifndef DLC_WROUND_H
#define DLC_WROUND_H

#include "gram.h"

typedef struct {
  const double *H;     /* d x d, symmetric: the Gram matrix of the group's inputs, the constant 1 last */
  int64_t d, n;        /* K + 1; output channels of the group */
  const double *s;     /* their n weight scales */
  int64_t qmax;        /* the grid: integers -qmax..qmax */
  bool has_bias;       /* the layer has a float bias that may take up errors */
  double samples;      /* samples H was summed over */
  const DlGram *layer; /* the layer's statistics (shapes) */
} DlRoundGroup;

/* Rounds v: n rows of d (K weights, then the bias). On return each weight is
 * s * q (q an integer in -qmax..qmax) as dl_dequantize_f computes it, and the
 * bias may have changed. */
typedef void (*DlRoundFn)(const DlRoundGroup *r, double *v);

void dl_adaround_group(const DlRoundGroup *r, double *v);

#endif
