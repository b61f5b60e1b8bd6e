/* The import front end of dlc, dlc-run and libdlc, so they cannot drift: a
 * model file (ONNX bytes or qg text) to a verified qg module, with every
 * import option (--input-shape, the batch, dynamic dimensions bound from the
 * data, --config, --passes) and the folding of an already-quantized model's
 * Q/DQ. Above passes/ and targets/, below the tools (api/front.c). */
#ifndef DLC_FRONT_H
#define DLC_FRONT_H

#include "dlc/onnx.h"
#include "dlc/quant.h"

typedef struct {
  const char *input_shapes; /* --input-shape: "name=DIMS,..." or NULL */
  const char *data_shapes;  /* the arrays the inputs will get: their open dynamic dimensions take these */
  int64_t batch;            /* a dynamic first dimension (0: 1) */
  const char *passes;       /* --passes, or NULL: the defaults below */
  bool quantize;            /* the caller quantizes next (a QDQ model's Q/DQ are then not folded) */
  bool transforms;          /* the caller quantizes or prunes next: the float clean-up passes run by default */
  bool no_fold_qdq;         /* --no-fold-qdq: a QDQ model stays float */
  const char *config_path;  /* --config (already loaded into config) */
  const DlQuantConfig *config;
  void (*on_file_read)(const char *path, void *user); /* every file read (depfiles) */
  void *user;
  char shape_buf[4096]; /* --input-shape, repeated, joined with commas */
} DlFrontOptions;

/* Loads model, verifies it, applies --config and runs the passes (given, or
 * the defaults: fold-bn,fuse-activation[,fold-constants] when the caller
 * transforms it or it is a QDQ model). *qdq tells whether its Q/DQ are still
 * to fold (dl_front_fold_qdq). Null on failure, with a message in e
 * ("internal:" for internal errors). */
MlirModule dl_front_import(MlirContext ctx, const char *model, const DlFrontOptions *o, bool *qdq, DlError *e);
/* Turns a QDQ model's float ops with Q/DQ into integer ops. float_ref, when
 * not NULL, receives the float reference graph (--report's): the module
 * with its weights' quantization folded and its activations float. data,
 * when not NULL, calibrates (with co) the tensors the model leaves without
 * Q/DQ, so their ops get integer forms too. */
bool dl_front_fold_qdq(MlirModule m, MlirModule *float_ref, const DlTensor *data, const DlCalibOptions *co,
                       DlError *e);
/* Both: what dlc-run runs and what `dlc --emit=qg` prints. */
MlirModule dl_front_load(MlirContext ctx, const char *model, const DlFrontOptions *o, DlError *e);

#endif
