/* Error-compensating weight rounding, --wround=gptq (passes/gptq.c,
 * docs/quantization.md). Statistics first, on the float model: the Gram
 * matrix of each layer's inputs (and the constant 1) over calibration data,
 * all layers in one run of the interpreter. Then, given each layer's widths
 * (its dlc.quant), dl_gptq_apply rounds the layer's weights one input at a
 * time, moving the rounding error onto the inputs not yet rounded and the
 * bias; the float weights it writes lie on the quantize pass's grid, whose
 * scales it pins (dlc.wscales), so quantizing them gives exactly its
 * integers. Splitting the two lets the precision assignment collect once and
 * round at every candidate width. */
#ifndef DLC_GPTQ_H
#define DLC_GPTQ_H

#include "dlc/ir.h"
#include "dlc/quant.h"
#include "dlc/tensor.h"

typedef struct DlHessians DlHessians;

/* The samples dl_quantize_module and the precision assignment collect them on
 * (the first of the calibration samples): enough to fit layers of a few
 * hundred inputs, and the statistics cost O(samples x inputs^2) per layer. */
#define DL_GPTQ_SAMPLES 1000

/* The statistics of every conv / gemm / matmul with constant f32 weights of
 * m's func over the first `limit` samples of data (0: all); NULL on error. */
DlHessians *dl_hessians_collect(MlirModule m, const DlTensor *data, int64_t limit, int jobs, DlError *e);
void dl_hessians_free(DlHessians *h);

/* Rounds the weights of every layer of m (a clone of the module h came from,
 * with its dlc.quant settings written) that the quantize pass will quantize
 * without outliers. */
bool dl_gptq_apply(MlirModule m, const DlHessians *h, DlError *e);
/* The same by `how`: DL_WROUND_GPTQ, or DL_WROUND_ADAROUND (passes/adaround.c:
 * up or down learned per weight against the layer's output error). */
bool dl_wround_apply(MlirModule m, const DlHessians *h, DlWeightRound how, DlError *e);

/* --wround=auto on m, calibrated and with its dlc.quant written: collects the
 * statistics on all but the last fifth of data's samples (at most
 * DL_GPTQ_SAMPLES), rounds by nearest, gptq and adaround in turn, quantizes
 * each copy and keeps the rounding whose outputs differ least from the float
 * model's on that last fifth (ties to the earlier; a note names the choice
 * and the three errors). With no layer to round or fewer than 5 samples:
 * nearest, or when must_round (auto asked for explicitly) an error. */
bool dl_wround_auto(MlirModule m, const DlTensor *data, bool must_round, int jobs, DlWeightRound *chosen, DlError *e);

#endif
