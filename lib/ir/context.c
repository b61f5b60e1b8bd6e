#include <mlir-c/Dialect/Arith.h>
#include <mlir-c/Dialect/Func.h>
#include <mlir-c/Dialect/IRDL.h>
#include <mlir-c/Dialect/Quant.h>
#include <mlir-c/Dialect/Tensor.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/ir.h"

extern const char dl_qg_irdl_source[], dl_pim_irdl_source[], dl_acc_irdl_source[];

MlirContext dl_context_create(DlError *e) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectHandle handles[] = {mlirGetDialectHandle__irdl__(), mlirGetDialectHandle__func__(),
                                 mlirGetDialectHandle__arith__(), mlirGetDialectHandle__tensor__(),
                                 mlirGetDialectHandle__quant__()};
  for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
    mlirDialectHandleLoadDialect(handles[i], ctx);
  const char *dialects[3][2] = {{"qg", dl_qg_irdl_source}, {"pim", dl_pim_irdl_source}, {"acc", dl_acc_irdl_source}};
  for (int d = 0; d < 3; d++) {
    MlirModule irdl = mlirModuleCreateParse(ctx, dl_str(dialects[d][1]));
    bool ok = !mlirModuleIsNull(irdl) && mlirLogicalResultIsSuccess(mlirLoadIRDLDialects(irdl));
    if (!mlirModuleIsNull(irdl)) mlirModuleDestroy(irdl);
    if (!ok) {
      mlirContextDestroy(ctx);
      dl_error_set(e, "internal: the embedded %s dialect failed to load", dialects[d][0]);
      return (MlirContext){NULL};
    }
  }
  /* the op table and the IRDL dialect must agree */
  for (int k = 0; k < DL_OP_COUNT; k++) {
    char name[64];
    snprintf(name, sizeof name, "qg.%s", dl_op_info((DlOpKind)k)->mnemonic);
    if (!mlirContextIsRegisteredOperation(ctx, dl_str(name))) {
      mlirContextDestroy(ctx);
      dl_error_set(e, "internal: %s is in ops.def but not in qg.irdl.mlir", name);
      return (MlirContext){NULL};
    }
  }
  return ctx;
}

void dl_context_destroy(MlirContext ctx) {
  if (!mlirContextIsNull(ctx)) mlirContextDestroy(ctx);
}
