/* --wround=auto, the default below 6 weight bits (dlc/gptq.h): the rounding
 * (nearest, gptq, adaround, and brecq when the model has residual blocks)
 * whose quantized model's outputs are closest to the float model's on the
 * last fifth of the calibration samples, which the statistics for gptq,
 * adaround and brecq do not see. Closest: the least summed squared difference
 * over all outputs; a tie goes to the earlier of nearest, gptq, adaround,
 * brecq, so the choice is never worse than nearest there. */
#include <stdio.h>
#include <stdlib.h>

#include "dlc/gptq.h"
#include "dlc/passes.h"
#include "dlc/plan.h"
#include "pass_util.h"
#include "wround.h"

enum { NCAND = 4 };
static const DlWeightRound cands[NCAND] = {DL_WROUND_NEAREST, DL_WROUND_GPTQ, DL_WROUND_ADAROUND, DL_WROUND_BRECQ};

/* All outputs of m on samples [from, to) of data, one after the other into *out (malloc'd, *n floats). */
static bool outputs(MlirModule m, const DlTensor *data, int64_t from, int64_t to, float **out, int64_t *n, DlError *e) {
  DlPlan *p = dl_plan_create(m, e);
  int64_t per;
  bool ok = p && dl_plan_runs(p, data, to, "calibration data", &per, e) >= 0;
  float *buf = ok ? malloc(sizeof(float) * (size_t)(per ? per : 1)) : NULL;
  *out = NULL, *n = 0;
  for (int64_t i = from; ok && i < to; i++) {
    const void **in = malloc(sizeof(void *) * (size_t)(dl_plan_num_inputs(p) + 1));
    ok = dl_plan_run_inputs(p, data, i, per, in, buf, e) && dl_plan_run(p, in, e);
    free(in);
    for (int k = 0; ok && k < dl_plan_num_outputs(p); k++) {
      const DlTensor *t = dl_plan_output(p, k);
      int64_t c = dl_shape_numel(&t->shape);
      *out = realloc(*out, sizeof(float) * (size_t)(*n + c));
      for (int64_t j = 0; j < c; j++) (*out)[(*n)++] = (float)dl_tensor_get_f(t, j);
    }
  }
  if (p) dl_plan_destroy(p);
  free(buf);
  if (!ok) free(*out), *out = NULL;
  return ok;
}

/* The summed squared difference of c's quantized outputs from ref on samples [from, to). */
static bool held_out_error(MlirModule c, const DlTensor *data, int64_t from, int64_t to, const float *ref, int64_t nref,
                           double *err, DlError *e) {
  MlirModule q = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(c)));
  float *y;
  int64_t n;
  bool ok = dl_run_pipeline(q, "quantize", e) && outputs(q, data, from, to, &y, &n, e);
  mlirModuleDestroy(q);
  if (!ok) return false;
  if (n != nref) return free(y), dl_error_set(e, "internal: the quantized model's outputs differ from the float one's");
  *err = 0;
  for (int64_t i = 0; i < n; i++) *err += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
  free(y);
  return true;
}

/* Replaces m's func by c's (c is then empty). */
static void take_func(MlirModule m, MlirModule c) {
  MlirOperation old = dl_module_func(m), neu = dl_module_func(c);
  mlirOperationMoveAfter(neu, old);
  mlirOperationDestroy(old);
}

bool dl_wround_auto(MlirModule m, const DlTensor *data, bool must_round, int jobs, DlWeightRound *chosen, DlError *e) {
  DlPlan *p = dl_plan_create(m, e);
  int64_t per, total = p ? dl_plan_runs(p, data, 0, "calibration data", &per, e) : -1;
  if (p) dl_plan_destroy(p);
  if (total < 0) return false;
  *chosen = DL_WROUND_NEAREST;
  int64_t held = total / 5, fit = total - held;
  if (held < 1) {
    if (must_round) return dl_error_set(e, "--wround=auto needs at least 5 calibration samples (has %lld)", (long long)total);
    return true;
  }
  DlHessians *h = dl_hessians_collect(m, data, fit < DL_GPTQ_SAMPLES ? fit : DL_GPTQ_SAMPLES, jobs, e);
  if (!h) return false;
  float *ref = NULL;
  int64_t nref;
  double err[NCAND];
  int ncand = dl_brecq_blocks(m, h) > 0 ? NCAND : NCAND - 1;
  MlirModule best = {NULL};
  bool ok = outputs(m, data, fit, total, &ref, &nref, e);
  bool none = false; /* no layer to round: nearest, or with must_round the error */
  for (int i = 0; ok && !none && i < ncand; i++) {
    MlirModule c = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(m)));
    if (cands[i] != DL_WROUND_NEAREST && !dl_wround_apply(c, h, cands[i], e)) {
      mlirModuleDestroy(c);
      dl_error_clear(e); /* its only failure here: no layer to round */
      if (must_round)
        ok = dl_error_set(e, "--wround=auto: the model has no conv, gemm or matmul with constant weights to round");
      else
        none = true;
      break;
    }
    ok = held_out_error(c, data, fit, total, ref, nref, &err[i], e);
    if (ok && (i == 0 || err[i] < err[*chosen - DL_WROUND_NEAREST])) {
      if (!mlirModuleIsNull(best)) mlirModuleDestroy(best);
      best = c, *chosen = cands[i];
    } else {
      mlirModuleDestroy(c);
    }
  }
  if (ok && *chosen != DL_WROUND_NEAREST) take_func(m, best);
  if (!mlirModuleIsNull(best)) mlirModuleDestroy(best);
  char more[64] = "";
  if (ok && !none && ncand > 3) snprintf(more, sizeof more, ", brecq %.6g", err[3]);
  if (ok && !none)
    dl_warn(mlirModuleGetContext(m),
            "--wround=auto: %s (output error on %lld held-out calibration samples: nearest %.6g, gptq %.6g, "
            "adaround %.6g%s; statistics from %lld)",
            dl_wround_name(*chosen), (long long)held, err[0], err[1], err[2], more,
            (long long)(fit < DL_GPTQ_SAMPLES ? fit : DL_GPTQ_SAMPLES));
  free(ref);
  dl_hessians_free(h);
  return ok;
}
