/* NumPy .npy files: C order, little-endian; float32/64, (u)int8/16/32/64, bool. */
#ifndef DLC_NPY_H
#define DLC_NPY_H

#include "dlc/diag.h"
#include "dlc/tensor.h"

/* The array in path as a tensor the caller frees (dl_tensor_free): the file
 * mapped read-only, its pages read as they are touched, or, when it cannot be
 * mapped, read into memory. The data is never copied twice. */
bool dl_npy_read(const char *path, DlTensor *t, DlError *e);
/* The same for samples that are read in order and never whole: when the file
 * cannot be mapped (an address-space limit), t is streamed (data NULL) and
 * dl_tensor_span reads the elements asked for. Callers read t only through
 * dl_tensor_span, and call dl_tensor_evict behind them. */
bool dl_npy_open(const char *path, DlTensor *t, DlError *e);
/* Reads labels for n samples: one integer class index per sample ([n] or
 * [n, 1], any integer type), into t as int64 [n]. Floats, one-hot rows or
 * another count are an error naming path, the shape found and the one
 * expected ("one per `per`"). */
bool dl_npy_read_labels(const char *path, int64_t n, const char *per, DlTensor *t, DlError *e);
/* Parses an in-memory .npy image (data is copied). */
bool dl_npy_parse(const void *buf, size_t len, DlTensor *t, DlError *e);
/* Writes t atomically. */
bool dl_npy_write(const char *path, const DlTensor *t, DlError *e);

#endif
