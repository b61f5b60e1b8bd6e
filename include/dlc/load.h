/* Loading any model form dlc accepts into a verified module. */
#ifndef DLC_LOAD_H
#define DLC_LOAD_H

#include "dlc/onnx.h"

/* .onnx is imported (with opt), anything else parsed as MLIR text; the
 * result is verified. Null module on failure (message in e). */
MlirModule dl_load_model(MlirContext ctx, const char *path, const DlImportOptions *opt, DlError *e);

#endif
