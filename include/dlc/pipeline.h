/* Pipelines that combine library stages with passes (passes/pipeline.c):
 * above lib/, below the tools. */
#ifndef DLC_PIPELINE_H
#define DLC_PIPELINE_H

#include "dlc/quant.h"

/* Writes the settings as the func's `dlc.quant`, calibrates on `data`, runs
 * --quantize and verifies. The module must be float qg IR. */
bool dl_quantize_module(MlirModule m, const DlQuantSettings *s, const DlTensor *data, DlError *e);

/* The integer graph of an already-quantized model: --fold-qdq, then --quantize
 * with the model's own parameters (no calibration). What the model leaves
 * unquantized stays float. */
bool dl_quantize_qdq_module(MlirModule m, DlError *e);

#endif
