/* ONNX import: model.onnx -> MLIR module with one func.func @main in the qg dialect. */
#ifndef DLC_ONNX_H
#define DLC_ONNX_H

#include "dlc/ir.h"

typedef struct {
  /* "name=1x3x224x224[,name=...]": fixes dynamic input dimensions. */
  const char *input_shapes;
  /* "name=NxCxHxW[,...]": the shapes of the arrays that will be run (samples
   * along the first axis); each dynamic dimension other than the first that
   * input_shapes leaves open takes the array's (dlc-run binds its inputs so). */
  const char *data_shapes;
  /* Value for dynamic first (batch) dimensions; 0 means 1. */
  int64_t batch;
  /* Graph inputs to treat as compile-time constants (values copied). */
  int nbind;
  const char *const *bind_names;
  const DlTensor *bind_values;
  /* Receives the path of every file read (model, external data), or NULL. */
  void (*on_file_read)(const char *path, void *user);
  void *user;
} DlImportOptions;

/* Imports the model at path. On failure returns a null module and a message in
 * e: one line per problem, each naming the node ("node 'conv1' (Conv): ..."). */
MlirModule dl_onnx_import(MlirContext ctx, const char *path, const DlImportOptions *opt,
                          DlError *e);

/* Same, from bytes already in memory (dir is where external data is looked up). */
MlirModule dl_onnx_import_buffer(MlirContext ctx, const void *data, size_t len, const char *dir,
                                 const DlImportOptions *opt, DlError *e);

/* Reads a serialized onnx.TensorProto file (as in ONNX test data sets). */
bool dl_onnx_read_tensor(const char *path, DlTensor *t, DlError *e);
/* Names of the graph inputs that are not initializers, in order (malloc'd
 * array of malloc'd strings); returns the count or -1. */
int dl_onnx_input_names(const char *path, char ***names, DlError *e);

#endif
