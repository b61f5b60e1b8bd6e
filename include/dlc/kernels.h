/* Reference kernels: ONNX semantics on host tensors. The importer's constant
 * folding, the --fold-constants pass and the interpreter all call these, so
 * there is one implementation of each op. */
#ifndef DLC_KERNELS_H
#define DLC_KERNELS_H

#include "dlc/ops.h"

/* Evaluates op k. `out` must already carry its shape and dtype (from shape
 * inference); its storage is allocated here when out->data is NULL.
 * Returns false with a message for unsupported dtype/attribute combinations. */
bool dl_kernel_eval(DlOpKind k, const DlAttrs *a, int nin, const DlTensor *in, DlTensor *out,
                    DlError *e);

/* Whether dl_kernel_eval implements op k at all. */
bool dl_kernel_has(DlOpKind k);

/* Concatenation along axis (tensor.concat): out shape/dtype preset. */
bool dl_kernel_concat(int axis, int nin, const DlTensor *in, DlTensor *out, DlError *e);

/* Element-type conversion with ONNX Cast semantics (float->int truncates, saturating
 * only where ONNX says so). */
bool dl_kernel_cast(const DlTensor *in, DlTensor *out, DlError *e);

#endif
