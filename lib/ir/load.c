#include "dlc/load.h"

#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

MlirModule dl_load_model(MlirContext ctx, const char *path, const DlImportOptions *opt, DlError *e) {
  MlirModule m;
  if (has_suffix(path, ".onnx")) {
    m = dl_onnx_import(ctx, path, opt, e);
  } else {
    if (opt && opt->input_shapes && opt->input_shapes[0])
      return dl_error_set(e, "--input-shape fixes the dynamic inputs of an ONNX model; %s has static shapes", path),
             (MlirModule){NULL};
    char *src;
    size_t len;
    if (!dl_read_file(path, &src, &len, e)) return (MlirModule){NULL};
    m = mlirModuleCreateParse(ctx, (MlirStringRef){src, len});
    free(src);
    if (mlirModuleIsNull(m)) dl_error_set(e, "%s: not valid MLIR (see the diagnostics above)", path);
  }
  if (!mlirModuleIsNull(m) && !dl_verify(mlirModuleGetOperation(m))) {
    mlirModuleDestroy(m);
    dl_error_set(e, "%s: the module does not verify (see the diagnostics above)", path);
    return (MlirModule){NULL};
  }
  return m;
}
