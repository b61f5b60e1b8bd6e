/* The per-group rounding step shared by --wround=gptq (gptq.c) and
 * --wround=adaround (adaround.c): gptq.c's driver reads each layer's weights,
 * scales and bias, hands them over one group (of a grouped conv) at a time,
 * and writes back what comes out; --wround=brecq (brecq.c) reads and writes
 * whole layers through the same driver. Not a public API. */
#ifndef DLC_WROUND_H
#define DLC_WROUND_H

#include "dlc/gptq.h"
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

struct DlHessians {
  int n;
  DlGram *l;             /* per layer; l[i].H NULL for a layer without statistics */
  int64_t samples;       /* the samples they were collected on */
  const DlTensor *data;  /* those samples (borrowed: outlives h), for --wround=brecq */
  int jobs;
};

/* The conv / gemm / matmul ops of the module's func, in order (h->l's order); malloc'd, *n of them. */
MlirOperation *dl_wround_layers(MlirModule m, int *n);

/* A layer's float weights as rows: N rows of K + 1 (the weights of output o,
 * then its bias or 0), its weight scales and grid, as the quantize pass will
 * see them. dl_layer_weights_read: false when the layer is not quantized on a
 * grid (kept float, outliers, codebooks). dl_layer_weights_write puts v back
 * as the layer's weights and bias, pins the scales (dlc.wscales) and frees. */
typedef struct {
  double *v, *s;
  int64_t qmax;
  bool has_bias;
  DlShape wshape;
} DlLayerWeights;
bool dl_layer_weights_read(MlirOperation op, const DlGram *l, DlLayerWeights *lw);
void dl_layer_weights_write(MlirOperation op, const DlGram *l, DlLayerWeights *lw);

/* gptq or adaround on the layers of h except those with skip[i] (skip may be NULL). */
bool dl_wround_some(MlirModule m, const DlHessians *h, DlWeightRound how, const bool *skip, DlError *e);
/* The residual blocks brecq reconstructs in m (h: its statistics). */
int dl_brecq_blocks(MlirModule m, const DlHessians *h);
/* --wround=brecq (brecq.c): residual blocks reconstructed jointly, the other layers by adaround. */
bool dl_brecq_apply(MlirModule m, const DlHessians *h, DlError *e);

#endif
