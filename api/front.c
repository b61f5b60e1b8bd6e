/* The import front end (dlc/front.h): what dlc, dlc-run and libdlc read a
 * model file with. */
#include "dlc/front.h"

#include <string.h>

#include "dlc/load.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "dlc/support.h"

MlirModule dl_front_import(MlirContext ctx, const char *model, const DlFrontOptions *o, bool *qdq, DlError *e) {
  DlImportOptions io = {.input_shapes = o->input_shapes, .data_shapes = o->data_shapes, .batch = o->batch,
                        .on_file_read = o->on_file_read, .user = o->user};
  size_t ml = strlen(model);
  bool is_mlir = ml > 5 && !strcmp(model + ml - 5, ".mlir"); /* .mlir is qg IR; anything else is ONNX */
  if (is_mlir && o->on_file_read) o->on_file_read(model, o->user);
  MlirModule m = is_mlir ? dl_load_model(ctx, model, &io, e) : dl_onnx_import(ctx, model, &io, e);
  *qdq = false;
  if (mlirModuleIsNull(m)) return dl_error_prefix(e, model), m;
  const char *passes = o->passes;
  if (!dl_verify(mlirModuleGetOperation(m))) {
    dl_error_set(e, "internal: the imported IR does not verify");
    goto fail;
  }
  if (o->config) {
    if (o->on_file_read) o->on_file_read(o->config_path, o->user);
    if (!dl_quant_config_apply(m, o->config, e)) goto fail;
  }
  *qdq = !o->quantize && !o->no_fold_qdq && dl_module_has_qdq(m); /* compiled with its own parameters */
  if (!passes && o->transforms) passes = DL_PIPELINE_FLOAT;
  if (!passes && *qdq) passes = DL_PIPELINE_QDQ;
  if (passes && !dl_run_pipeline(m, passes, e)) goto fail;
  return m;
fail:
  mlirModuleDestroy(m);
  return (MlirModule){NULL};
}

bool dl_front_fold_qdq(MlirModule m, MlirModule *float_ref, const DlTensor *data, const DlCalibOptions *co,
                       DlError *e) {
  if (float_ref) {
    if (!dl_run_pipeline(m, "fold-qdq", e)) return false;
    *float_ref = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(m)));
  }
  return data ? dl_quantize_qdq_module_calib(m, data, co, e) : dl_quantize_qdq_module(m, e);
}

MlirModule dl_front_load(MlirContext ctx, const char *model, const DlFrontOptions *o, DlError *e) {
  bool qdq;
  MlirModule m = dl_front_import(ctx, model, o, &qdq, e);
  if (!mlirModuleIsNull(m) && qdq && !dl_front_fold_qdq(m, NULL, NULL, NULL, e)) {
    mlirModuleDestroy(m);
    return (MlirModule){NULL};
  }
  return m;
}
