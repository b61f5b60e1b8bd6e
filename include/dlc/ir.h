/* dlc's layer over the MLIR C API: context setup (with the qg dialect),
 * conversions between MLIR types/attributes and DlShape/DlAttrs/DlTensor,
 * the qg verifier, and printing. */
#ifndef DLC_IR_H
#define DLC_IR_H

#include <mlir-c/BuiltinAttributes.h>
#include <mlir-c/BuiltinTypes.h>
#include <mlir-c/Diagnostics.h>
#include <mlir-c/IR.h>
#include <stdio.h>

#include "dlc/ops.h"

/* Creates a context with func, arith, tensor, quant and qg loaded.
 * Returns a null context on failure (message in e). Destroy with dl_context_destroy. */
MlirContext dl_context_create(DlError *e);
void dl_context_destroy(MlirContext ctx);

/* Ranked, statically shaped tensor type <-> DlShape. Quantized element types
 * map to their storage type. Returns false for anything else. */
bool dl_type_to_shape(MlirType t, DlShape *s);
MlirType dl_dtype_to_mlir(MlirContext ctx, DlDType t);
MlirType dl_shape_to_type(MlirContext ctx, const DlShape *s);

/* Whether op's name is exactly `name` ("quant.qcast"). */
bool dl_op_is(MlirOperation op, const char *name);
/* Whether v is a tensor of !quant.* elements. */
bool dl_value_is_quant(MlirValue v);

/* qg op kind of op, or DL_OP_COUNT if op is not a qg op. */
DlOpKind dl_op_kind(MlirOperation op);
/* Reads op's attributes into a (defaults filled in, kinds checked). */
bool dl_op_read_attrs(MlirOperation op, DlOpKind k, DlAttrs *a, DlError *e);
/* Creates a detached qg op. Attributes equal to their table default are
 * still written, so the IR states every parameter. */
MlirOperation dl_op_create(MlirLocation loc, DlOpKind k, intptr_t nop, const MlirValue *ops,
                           intptr_t nres, const MlirType *res, const DlAttrs *a);
MlirAttribute dl_attr_to_mlir(MlirContext ctx, const DlAttr *a);

/* Elements attribute (dense or dense_resource) -> newly allocated tensor. */
bool dl_attr_to_tensor(MlirAttribute attr, DlTensor *t, DlError *e);
/* Tensor -> elements attribute. Small tensors (<= inline_limit elements) become
 * dense<...>; larger ones a dense_resource named `name` that takes ownership of
 * t->data when t->owned (otherwise it is copied). */
MlirAttribute dl_tensor_to_attr(MlirContext ctx, DlTensor *t, const char *name,
                                int64_t inline_limit);
/* arith.constant holding `value`. */
MlirOperation dl_constant_create(MlirLocation loc, MlirAttribute value);
/* If v is produced by arith.constant, its value attribute; else a null attribute. */
MlirAttribute dl_value_constant(MlirValue v);
/* The value of the arith.constant behind v, newly allocated; false if v is not a constant. */
bool dl_value_tensor(MlirValue v, DlTensor *t);

/* Runs the qg verifier table over every op (then MLIR's own verifier).
 * Problems are emitted as MLIR diagnostics at the op's location. */
bool dl_verify(MlirOperation root);

/* The first func.func in m (the model's @main), or a null operation. */
MlirOperation dl_module_func(MlirModule m);

/* Human-readable location ("conv1" for NameLoc("conv1")). */
void dl_location_str(MlirLocation loc, char *buf, size_t n);

/* Diagnostics: prints "<prog>: error: <loc>: <msg>" to stderr. */
MlirDiagnosticHandlerID dl_attach_diagnostic_printer(MlirContext ctx, const char *prog);

/* Warnings: what the user should know about a call that still succeeds (a
 * layer left on the host, weight scales raised). dl_warn sends the message
 * to the handler set for ctx, or, when none is, prints "dlc: warning: MSG"
 * on stderr, as the tools show it. MLIR's C API emits only errors, so the
 * handlers are kept here, by context; fn NULL removes ctx's. False when
 * too many contexts have one. */
typedef void (*DlWarnFn)(const char *msg, void *user);
bool dl_warn_handler_set(MlirContext ctx, DlWarnFn fn, void *user);
void dl_warn(MlirContext ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum { DL_PRINT_GENERIC = 1, DL_PRINT_LOC = 2 };
/* Prints op (and a final newline) into a malloc'd NUL-terminated buffer of *len bytes. */
char *dl_print_op(MlirOperation op, unsigned flags, size_t *len);

/* Creates a string ref from a C string (borrowed). */
static inline MlirStringRef dl_str(const char *s) { return mlirStringRefCreateFromCString(s); }

#endif
