/* Pipelines above the library: calibrate + (GPTQ) + quantize as one call, and
 * the QDQ fold + quantize of a model that carries its own parameters; shared
 * by dlc, dlc-opt and the precision assignment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/approx.h"
#include "dlc/gptq.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"

static bool quantize_calibrated(MlirModule m, const DlQuantSettings *s, const DlTensor *data, const DlCalibOptions *cop,
                                MlirModule ref, DlError *e);

bool dl_quantize_module(MlirModule m, const DlQuantSettings *s, const DlTensor *data, DlError *e) {
  if (!dl_quant_settings_write(m, s, e)) return false;
  if (s->highway && !dl_run_pipeline(m, "highway", e)) return false;
  if (!dl_run_pipeline(m, "edge-activations,small-kernels", e)) return false;
  DlCalibOptions co = s->calib;
  if (!co.bits) co.bits = s->abits;
  bool samples = data && co.nstats == 0 && co.nshards == 0;
  if (s->bias_correct == DL_BIAS_CORRECT_ON && !samples)
    return dl_error_set(e, "--bias-correct=on needs calibration samples (--calib, not --calib-stats or --calib-shard)");
  if (!dl_calibrate(m, data, &co, e)) return false;
  /* bias correction measures against the calibrated float model, before any weight is rounded */
  bool correct = samples && (s->bias_correct == DL_BIAS_CORRECT_ON || (s->bias_correct == DL_BIAS_CORRECT_AUTO && s->abits < 8));
  MlirModule ref = correct ? mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(m))) : (MlirModule){NULL};
  bool ok = quantize_calibrated(m, s, data, &co, ref, e);
  if (correct) mlirModuleDestroy(ref);
  return ok;
}

/* dl_quantize_module after calibration; ref: the calibrated float model for bias correction, or null. */
static bool quantize_calibrated(MlirModule m, const DlQuantSettings *s, const DlTensor *data, const DlCalibOptions *cop,
                                MlirModule ref, DlError *e) {
  DlCalibOptions co = *cop;
  DlWeightRound how = dl_wround_resolve(s->wround, s->wbits);
  /* the default's auto needs samples, and weighted-entropy levels are not a grid to round onto */
  if (s->wround == DL_WROUND_DEFAULT && (s->wquant || !data || co.nstats > 0 || co.nshards > 0)) how = DL_WROUND_NEAREST;
  if (how == DL_WROUND_GPTQ || how == DL_WROUND_ADAROUND || how == DL_WROUND_BRECQ) { /* after calibration, as the precision assignment does */
    DlHessians *h = dl_hessians_collect(m, data, DL_GPTQ_SAMPLES, s->calib.jobs, e);
    bool ok = h && dl_wround_apply(m, h, how, e);
    dl_hessians_free(h);
    if (!ok) return false;
  }
  DlWeightRound chosen;
  if (how == DL_WROUND_AUTO && !dl_wround_auto(m, data, s->wround == DL_WROUND_AUTO, s->calib.jobs, &chosen, e)) return false;
  if (s->auto_keep_db > 0) {
    char *kept = NULL;
    double cos;
    if (!dl_auto_keep(m, s->auto_keep_db, s->auto_keep_cos, data, &kept, &cos, e)) return false;
    if (kept && s->auto_keep_cos > 0)
      dl_warn(mlirModuleGetContext(m),
              "--auto-keep-cos=%g: layers below %g dB SQNR against float, then those losing the most until "
              "every output's cosine against float reaches %g (now %.4f), kept wider: %s",
              s->auto_keep_cos, s->auto_keep_db, s->auto_keep_cos, cos, kept);
    else if (kept)
      dl_warn(mlirModuleGetContext(m), "--auto-keep: layers below %g dB SQNR against float kept wider: %s", s->auto_keep_db,
              kept);
    if (s->auto_keep_cos > 0 && cos < s->auto_keep_cos)
      dl_warn(mlirModuleGetContext(m), "--auto-keep-cos=%g not reached: the outputs' lowest cosine against float is %.4f",
              s->auto_keep_cos, cos);
    free(kept);
  }
  if (!dl_run_pipeline(m, "quantize", e)) return false;
  int64_t corrected = 0;
  if (!mlirModuleIsNull(ref) && !dl_bias_correct(ref, m, data, co.limit, &corrected, e)) return false;
  if (!dl_approx_annotate(m, s->approx, e)) return false;
  if (s->approx_budget > 0) {
    DlApproxAssign aa = {s->approx_budget, s->approx_candidates, s->approx_samples ? s->approx_samples : 500,
                         s->approx_compensate, s->calib.jobs, s->approx_labels};
    if (!data) return dl_error_set(e, "--approx-budget needs calibration samples (--calib)");
    if (!dl_approx_assign(m, data, &aa, e)) return false;
  }
  if (s->approx_compensate && !dl_approx_compensate(m, data, e)) return false;
  if (!dl_verify(mlirModuleGetOperation(m))) return dl_error_set(e, "internal: the quantized IR does not verify");
  return true;
}

bool dl_quantize_qdq_module(MlirModule m, DlError *e) {
  if (!dl_run_pipeline(m, "fold-qdq,quantize", e)) return false;
  if (!dl_verify(mlirModuleGetOperation(m))) return dl_error_set(e, "internal: the quantized IR does not verify");
  return true;
}

bool dl_quantize_qdq_module_calib(MlirModule m, const DlTensor *data, const DlCalibOptions *co, DlError *e) {
  if (!dl_run_pipeline(m, "fold-qdq", e)) return false;
  DlCalibOptions o = *co;
  if (!o.bits) o.bits = 8;
  if (!dl_calibrate(m, data, &o, e)) return false;
  if (!dl_run_pipeline(m, "quantize", e)) return false;
  if (!dl_verify(mlirModuleGetOperation(m))) return dl_error_set(e, "internal: the quantized IR does not verify");
  return true;
}
