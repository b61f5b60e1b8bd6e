/* Pruning of conv / gemm / matmul weights on float qg IR (passes/prune.c,
 * docs/pruning.md). The pass --prune reads its settings from the func's
 * `dlc.prune` dictionary {spec = "nm:2:4", layers = "REGEX"}; dl_prune_module
 * writes that dictionary and, given calibration data, compensates each layer
 * for what it lost (bias correction or least-squares reconstruction). */
#ifndef DLC_PRUNE_H
#define DLC_PRUNE_H

#include "dlc/ir.h"

typedef enum {
  DL_PRUNE_UNSTRUCTURED, /* smallest |w| of each layer */
  DL_PRUNE_NM,           /* keep n of every m consecutive inputs of each output */
  DL_PRUNE_ROWS,         /* whole outputs (rows of W) by L2 norm, zeroed */
  DL_PRUNE_COLS,         /* whole inputs (columns of W) by L2 norm, zeroed */
  DL_PRUNE_FILTERS,      /* conv output channels by L2 norm, removed from the tensors */
  DL_PRUNE_BLOCKS,       /* bn x bk blocks of W (outputs x inputs, per group) by RMS, zeroed: an accelerator's PE-array blocks */
} DlPruneMethod;

typedef enum { DL_PRUNE_COMP_NONE, DL_PRUNE_COMP_BIAS, DL_PRUNE_COMP_RECONSTRUCT } DlPruneComp;

typedef struct {
  DlPruneMethod method;
  double ratio;       /* fraction of weights (rows, columns, filters) removed, in [0, 1) */
  int n, m;           /* N:M */
  int bn, bk;         /* blocks: outputs x inputs per block */
  const char *layers; /* POSIX extended regex on ONNX node names (borrowed); NULL: every layer */
  DlPruneComp comp;
  int64_t samples; /* calibration samples for compensation (0: all) */
  int jobs;        /* threads collecting its statistics and solving its outputs (0, 1: one); the same weights for any */
} DlPruneSettings;

/* "unstructured:R", "nm:N:M", "rows:R", "cols:R", "filters:R" or
 * "blocks:R[:BNxBK]" (0 <= R < 1, 1 <= N < M <= 64, 1 <= BN, BK <= 4096;
 * blocks default to 16x16); false with a message in e otherwise. Leaves
 * layers, comp and samples alone. */
bool dl_prune_spec_parse(const char *spec, DlPruneSettings *s, DlError *e);
/* "unstructured", "nm", "rows", "cols", "filters" or "blocks". */
const char *dl_prune_method_name(DlPruneMethod m);

/* Prunes every matching layer of the first func.func in m, in order. With
 * comp != NONE, `data` (calibration samples of the model's single input) is
 * run through the interpreter before each layer, so a layer is compensated
 * for the inputs the already-pruned layers before it produce. */
bool dl_prune_module(MlirModule m, const DlPruneSettings *s, const DlTensor *data, DlError *e);

/* Prunes each layer that carries `dlc.prune_spec = "SPEC"` (what --config's
 * per-node "prune" writes) by its own spec, in order, compensated by `comp`
 * on the first `samples` of data (0: all); removes the attribute. A spec on
 * an op that is not a prunable layer is an error naming its node. */
bool dl_prune_module_by_op(MlirModule m, DlPruneComp comp, int64_t samples, int jobs, const DlTensor *data, DlError *e);

/* Whether any node of a --config file is pruned (its "prune"); *comp is the
 * file's defaults' "prune_compensation" (none when absent), *samples its
 * "prune_samples" (0 when absent: the calibration samples). */
typedef struct DlQuantConfig DlQuantConfig;
bool dl_quant_config_prunes(const DlQuantConfig *c, DlPruneComp *comp, int64_t *samples);

#endif
