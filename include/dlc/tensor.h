/* Host tensors: the one in-memory form shared by the importer's constant
 * folding, the kernels, the interpreter and the .npy reader/writer. */
#ifndef DLC_TENSOR_H
#define DLC_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlc/diag.h"

#define DL_MAX_RANK 8

/* DL_DTYPE(ID, name, bytes, onnx data_type) */
#define DL_DTYPES(X)                                                                               \
  X(F32, "f32", 4, 1)                                                                              \
  X(U8, "ui8", 1, 2)                                                                               \
  X(I8, "i8", 1, 3)                                                                                \
  X(U16, "ui16", 2, 4)                                                                             \
  X(I16, "i16", 2, 5)                                                                              \
  X(I32, "i32", 4, 6)                                                                              \
  X(I64, "i64", 8, 7)                                                                              \
  X(BOOL, "i1", 1, 9)                                                                              \
  X(F16, "f16", 2, 10)                                                                             \
  X(F64, "f64", 8, 11)                                                                             \
  X(U32, "ui32", 4, 12)                                                                            \
  X(U64, "ui64", 8, 13)                                                                            \
  X(BF16, "bf16", 2, 16)

typedef enum {
  DL_NONE = 0,
#define X(id, n, b, o) DL_##id,
  DL_DTYPES(X)
#undef X
      DL_DTYPE_COUNT
} DlDType;

typedef struct {
  DlDType dtype;
  int rank;
  int64_t dims[DL_MAX_RANK];
} DlShape;

typedef struct DlTensorFile DlTensorFile;

typedef struct {
  DlShape shape;
  void *data;
  bool owned;  /* data is released by dl_tensor_free */
  bool mapped; /* with owned: data is an mmap'd region (munmap), else malloc'd (free) */
  /* A streamed tensor (dl_npy_open when the file cannot be mapped): data is
   * NULL and dl_tensor_span reads elements from this file; owned with `owned`. */
  DlTensorFile *file;
} DlTensor;

size_t dl_dtype_size(DlDType t);
const char *dl_dtype_name(DlDType t);
DlDType dl_dtype_from_onnx(int onnx_type); /* DL_NONE if unsupported */
int dl_dtype_to_onnx(DlDType t);
bool dl_dtype_is_float(DlDType t);
bool dl_dtype_is_signed(DlDType t);

/* Element count; saturates at INT64_MAX when it overflows (shapes read from
 * files are checked with dl_shape_bytes first, so only those can be that big). */
int64_t dl_shape_numel(const DlShape *s);
/* Byte size of a tensor of shape s into *bytes; false when a dimension is
 * negative or the element count or byte size overflows int64. */
bool dl_shape_bytes(const DlShape *s, size_t *bytes);
bool dl_shape_equal(const DlShape *a, const DlShape *b); /* dims and dtype */
/* Whether an array of shape data holds samples of an input of shape in along
 * its first axis: data's other dimensions are in's (N x 1x3x8x8 for 1x3x8x8)
 * or in's without its batch axis (N x 3x8x8); dtypes are not compared. */
bool dl_shape_holds_samples(const DlShape *data, const DlShape *in);
/* "1x3x28x28xf32" into buf; returns buf. */
char *dl_shape_str(const DlShape *s, char *buf, size_t n);

/* Allocates zeroed storage; returns false on overflow or out of memory. */
bool dl_tensor_alloc(DlTensor *t, const DlShape *s);
void dl_tensor_free(DlTensor *t);
size_t dl_tensor_bytes(const DlTensor *t);

/* Elements [first, first + n) of t in its flat order: a pointer into t's data,
 * or, for a streamed tensor, buf (n elements' bytes) filled from its file.
 * NULL when the file cannot be read (message in e). Safe to call from
 * several threads with different buffers and errors. */
const void *dl_tensor_span(const DlTensor *t, int64_t first, int64_t n, void *buf, DlError *e);
/* Tells a tensor mapped from a file that its elements [from, to) have been
 * read and will not be soon again: the whole 4 MB blocks of the file that
 * `to` completes leave the process's resident set (read again from the page
 * cache if touched). Callers going through samples in order call it after
 * each, so memory stays bounded by the model, not the file. No effect on
 * other tensors. */
void dl_tensor_evict(const DlTensor *t, int64_t from, int64_t to);

/* Element access through double / int64, for folding and tests (not hot loops). */
double dl_tensor_get_f(const DlTensor *t, int64_t i);
int64_t dl_tensor_get_i(const DlTensor *t, int64_t i);
void dl_tensor_set_f(DlTensor *t, int64_t i, double v);
void dl_tensor_set_i(DlTensor *t, int64_t i, int64_t v);

/* Half-precision conversions (round to nearest even). */
float dl_f16_to_f32(uint16_t h);
uint16_t dl_f32_to_f16(float f);
float dl_bf16_to_f32(uint16_t h);
uint16_t dl_f32_to_bf16(float f);

#endif
