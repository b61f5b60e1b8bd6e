/* Helpers shared by the targets: device JSON files (targets/<target>/devices/,
 * one file per device) and the text of target IR. */
#ifndef DLC_TARGET_UTIL_H
#define DLC_TARGET_UTIL_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "dlc/diag.h"
#include "dlc/ir.h"
#include "dlc/lower.h"
#include "dlc/support.h"

/* o[obj][key] (or o[key] when obj is NULL) as a number in [lo, hi]; false
 * with "device: obj.key ..." otherwise. */
bool dl_json_num(const cJSON *o, const char *obj, const char *key, double lo, double hi, double *v, DlError *e);
/* Parses the JSON text[0..len) (nothing but white space after the value),
 * calling parse. */
bool dl_device_json_parse(const char *text, size_t len, bool (*parse)(const cJSON *o, void *dev, DlError *e), void *dev,
                          DlError *e);
/* Parses a built-in text or reads a file, calling parse; a file's errors
 * are prefixed with its path. */
bool dl_device_json_load(const char *path_or_builtin, const char *builtin_text,
                         bool (*parse)(const cJSON *o, void *dev, DlError *e), void *dev, DlError *e);

/* What the targets' GEMM and elementwise units need of a lowered call: a
 * batched matmul whose batches are one [batches * M, K] matrix against one
 * B, and a binary op whose operands are laid out like its result (no
 * broadcasting). */
bool dl_call_matmul_is_flat(const DlCall *c);
bool dl_call_binary_is_dense(const DlCall *c);

/* For a simulator's report: writes `, "op": ..., "note": ...` for plan step
 * st, which `target` does not run: the op, and why it is the host's (a float
 * step; the edge casts of an integer model; or an integer step without a
 * kernel there, computed by the interpreter's integer kernel, bit-exact). */
void dl_host_step_note(FILE *f, const void *step, const char *target);

/* Appends ` loc("where")` and a newline: an op's location in IR text. */
void dl_ir_loc(DlBuf *b, const char *where);
/* Parses IR text into a module of ctx, verifies and prints it back (generic
 * form, with locations). NULL with an internal error if it does not verify. */
char *dl_ir_reprint(MlirContext ctx, const DlBuf *text, const char *what, size_t *len, DlError *e);

#endif
