/* Shared by the acc target's files; not a public API. */
#ifndef DLC_ACC_INTERNAL_H
#define DLC_ACC_INTERNAL_H

#include "dlc/acc.h"
#include "interp/plan_internal.h"
#include "quant/qstep.h"

/* What the accelerator would run for plan step s (M, N, K, kind; no tiling),
 * false for a host step. Device limits that make a step impossible (a
 * multiplier a shift-only unit cannot apply) are errors, not host steps. */
int dl_acc_layer_of_step(DlPlan *plan, int s, const DlAccDevice *dev, DlAccLayer *l, DlError *e);

/* DRAM bytes a LOAD_X of rows [m0, m1) x columns [k0, k1) reads: distinct
 * input rows for windows (a line buffer), the elements otherwise. */
int64_t dl_acc_x_bytes(const Step *st, const DlAccLayer *l, int64_t m0, int64_t m1, int64_t k0, int64_t k1, int64_t n0);
/* Bytes layer l's weights take in DRAM: the dense matrix at its width, and
 * the outliers as a per-channel list (a 4-byte row pointer per output channel,
 * a 2-byte column index and the value per outlier); 0 for ALU layers. */
int64_t dl_acc_weight_bytes(const DlAccDevice *d, const DlAccLayer *l);
/* Cycles of one GEMM tile on the dense PE array (pipeline fill included). */
int64_t dl_acc_gemm_cycles(const DlAccDevice *d, const DlAccLayer *l, int xes, int64_t mt, int64_t nt, int64_t kt);

#endif
