/* Helpers shared by pass implementations. */
#ifndef DLC_PASS_UTIL_H
#define DLC_PASS_UTIL_H

#include "dlc/ir.h"

#define DL_PASS(id, flag, settings, summary) bool dl_pass_##id(MlirOperation func);
#include "passes.def"
#undef DL_PASS

/* Integer `key` of dictionary attribute d (a dlc.quant), or dflt when d is
 * not a dictionary or has no integer there. */
int64_t dl_dict_int(MlirAttribute d, const char *key, int64_t dflt);
/* The single block of a func.func. */
MlirBlock dl_func_body(MlirOperation func);
bool dl_value_has_one_use(MlirValue v);
bool dl_value_is_unused(MlirValue v);
/* qg op producing v, or a null op. */
MlirOperation dl_value_qg_def(MlirValue v, DlOpKind *k);
/* Inserts a constant holding t (ownership taken) before `before`; returns its value. */
MlirValue dl_insert_constant(MlirOperation before, DlTensor *t, const char *name);
/* Erases arith.constant ops that have no uses. */
void dl_erase_dead_constants(MlirOperation func);
/* In place: A (n x n, symmetric positive definite, row-major) -> its lower
 * Cholesky factor L (A = L L^T), the upper triangle zeroed; false if A is not
 * positive definite (A is then partly overwritten). */
bool dl_cholesky(double *A, int64_t n);
/* Replaces op's single result with v and erases op. */
void dl_replace_op(MlirOperation op, MlirValue v);
/* Calls rewrite on every op of kind k in func's body, in order (rewrite may
 * erase its op and insert ops before it), then erases constants left unused. */
void dl_rewrite_each(MlirOperation func, DlOpKind k, bool (*rewrite)(MlirOperation op));
/* Copies from's discardable attributes (per-node settings such as dlc.quant)
 * onto to: all of them, or only those whose name starts with prefix. */
void dl_copy_discardable_attrs(MlirOperation from, MlirOperation to, const char *prefix);

#endif
