/* libdlc: dlc as a library. A model file in, passes run, quantized on
 * calibration samples, target code out: the same functions the dlc tool
 * runs, behind opaque handles and plain C types (no MLIR in this header).
 *
 * Ownership follows MLIR's C API: a ..._create returns what the caller
 * must ..._destroy; text and buffers returned to the caller are released
 * with dlc_free. Every call that can fail returns a dlc_status; the message
 * of the last failure is dlc_last_error(ctx). A context and its modules are
 * used by one thread at a time; separate contexts are independent.
 *
 * Link with libdlc.so.MAJOR (pkg-config --cflags --libs dlc, or the CMake
 * target dlc::libdlc). */
#ifndef DLC_DLC_H
#define DLC_DLC_H

#include <stddef.h>
#include <stdint.h>

#include "dlc/version.h"

#if defined(__GNUC__)
#define DLC_API __attribute__((visibility("default")))
#else
#define DLC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* What a call returned; the values are the tools' exit statuses. */
typedef enum {
  DLC_OK = 0,
  DLC_ERROR = 1,          /* bad input: model, samples, pipeline, option (the message names it) */
  DLC_ERROR_INTERNAL = 2, /* a bug in dlc (the message begins with "internal:") */
} dlc_status;

typedef struct dlc_context dlc_context;
typedef struct dlc_module dlc_module;

/* One output of dlc_module_emit_memory: a file name and its bytes. */
typedef struct {
  const char *name; /* "model.c", "model.h", "model.pimbin" */
  const void *data;
  size_t size;
} dlc_file;

/* Receives each warning (a call that still succeeded: a layer left on the
 * host, weight scales raised), the ONNX node first when there is one. */
typedef void (*dlc_warning_fn)(const char *message, void *user);

/* The version of this library, "MAJOR.MINOR.PATCH" (DLC_VERSION of the
 * header it was built with; a program may compare the two). */
DLC_API const char *dlc_version(void);

/* A new context: MLIR with dlc's dialects. *ctx is set even when the call
 * fails (dlc_last_error says why) unless memory ran out (*ctx NULL); destroy
 * it either way. Warnings are dropped until a handler is set. */
DLC_API dlc_status dlc_context_create(dlc_context **ctx);
/* Destroys ctx (NULL is ignored). Modules still alive keep it until the
 * last of them is destroyed; nothing else may be called on it. */
DLC_API void dlc_context_destroy(dlc_context *ctx);

/* The message of the last call on ctx (or on one of its modules) that
 * failed, "" after one that succeeded: one line per problem, each naming
 * the ONNX node, file or option, as the tools print it after "dlc: error: ".
 * Borrowed: valid until the next call on ctx. */
DLC_API const char *dlc_last_error(const dlc_context *ctx);

/* Sends ctx's warnings to fn (NULL: dropped). */
DLC_API void dlc_set_warning_handler(dlc_context *ctx, dlc_warning_fn fn, void *user);

/* Reads a model file: ONNX, or qg MLIR text when path ends in .mlir (as the
 * tools decide), verified. options: NULL or space-separated KEY=VALUE,
 * `input_shape=NAME=DIMS[,NAME=DIMS...]` (a dynamic input fixed, e.g.
 * input=1x1x28x28) and `batch=N` (a dynamic first dimension, default 1).
 * No pass runs: dlc_module_run_passes(m, DLC_PIPELINE_FLOAT) is what dlc
 * runs before quantizing. A model with ONNX quantization (QDQ) keeps it as
 * float ops until "fold-qdq,quantize" runs. */
DLC_API dlc_status dlc_module_import(dlc_context *ctx, const char *path, const char *options, dlc_module **m);
/* Parses qg MLIR text (len bytes; len 0: up to its NUL), verified. */
DLC_API dlc_status dlc_module_parse(dlc_context *ctx, const char *text, size_t len, dlc_module **m);
/* Destroys m. NULL is ignored. */
DLC_API void dlc_module_destroy(dlc_module *m);

/* The module as MLIR text (what `dlc --emit=qg` writes): *text is
 * NUL-terminated, *len (may be NULL) its length; release with dlc_free. */
DLC_API dlc_status dlc_module_print(dlc_module *m, char **text, size_t *len);

/* The passes every float model gets before calibration, quantization or
 * pruning (dlc --quantize runs them after import). */
#define DLC_PIPELINE_FLOAT "fold-bias,fold-bn,fuse-activation,fold-constants,fold-pad,conv-transpose-to-conv"

/* Runs a pass pipeline, as dlc-opt --pass-pipeline and dlc --passes read it:
 * "fold-bn,cse", "builtin.module(fold-bn,quantize{wbits=4 abits=8})"
 * (dlc-opt --list-passes lists the passes and their options). An unknown
 * pass, option or value fails before anything runs. */
DLC_API dlc_status dlc_module_run_passes(dlc_module *m, const char *pipeline);

/* Calibrates a float module on samples and quantizes it to integer IR, as
 * dlc --quantize --calib does. options: NULL or space-separated KEY=VALUE:
 * the quantize pass's options (wbits, abits, per_channel, asymmetric, pow2,
 * wclip, wquant, outliers, outlier_bits, with its ranges) and calib_method
 * (auto|minmax|percentile[=P]|entropy|mse), calib_samples (N, default 1000;
 * 0: all), wround (nearest|gptq|adaround|brecq|auto), wbits_small (2..16: the
 * weight bits of layers with at most 12 weights per output channel below
 * it, default 8, as --wbits-small), abits_edge (2..16: the activation bits
 * of the inputs, the output layers and their inputs below it, default 8, as
 * --abits-edge), bias_correct (auto|on|off, as --bias-correct). The samples are a float32 .npy file whose
 * first dimension counts them ... */
DLC_API dlc_status dlc_module_quantize(dlc_module *m, const char *options, const char *calib_npy);
/* ... or rank dims of float32 data in C order (borrowed for the call),
 * shape[0] samples of the model's single input. */
DLC_API dlc_status dlc_module_quantize_data(dlc_module *m, const char *options, const float *data,
                                            const int64_t *shape, int rank);

/* Generates target code ("c", "pim", "acc") into the existing directory dir
 * (after the passes dlc runs before any target, on a copy: m is unchanged):
 * c writes NAME.c and NAME.h, pim NAME.pimbin, acc NAME.accbin; on failure
 * none is left. options: NULL or space-separated KEY=VALUE: name (C
 * identifier and file name, default "model"), device (pim/acc: a preset or
 * a device JSON file, as --pim-device / --acc-device), sparse_weights (c:
 * auto|off|size|all, as --c-sparse-weights), threads (c: 1 also emits
 * NAME_run_threads, as --c-threads; default 0). */
DLC_API dlc_status dlc_module_emit(dlc_module *m, const char *target, const char *options, const char *dir);
/* The same files in memory: *files receives *nfiles entries in one block
 * (names and bytes inside it), released with one dlc_free(*files). */
DLC_API dlc_status dlc_module_emit_memory(dlc_module *m, const char *target, const char *options, dlc_file **files,
                                          int *nfiles);

/* Releases what the library returned (dlc_module_print's text,
 * dlc_module_emit_memory's files). NULL is ignored. */
DLC_API void dlc_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
