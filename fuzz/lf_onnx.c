/* libFuzzer entry: the ONNX importer (dl_onnx_import_buffer). An imported
 * module must pass the verifier; external data is looked up in a directory
 * that does not exist. */
#include "dlc/onnx.h"
#include "lf.h"

static MlirContext ctx;
static long inputs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lf_context(&ctx, &inputs);
  DlError e = {0};
  MlirModule m = dl_onnx_import_buffer(ctx, data, size, "/nonexistent", NULL, &e);
  if (mlirModuleIsNull(m)) {
    lf_rejected(&e, "dl_onnx_import_buffer");
    return 0;
  }
  if (e.msg) lf_finding("an imported module came with an error: %s", e.msg);
  if (!dl_verify(mlirModuleGetOperation(m))) lf_finding("an imported module does not verify");
  lf_accepted++, lf_deep++;
  mlirModuleDestroy(m);
  return 0;
}
