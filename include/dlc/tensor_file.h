/* What a streamed tensor reads from (dlc/tensor.h, DlTensor.file): shared by
 * lib/support/tensor.c, which reads it, and npy.c, which opens it. */
#ifndef DLC_TENSOR_FILE_H
#define DLC_TENSOR_FILE_H

#include <stdint.h>

struct DlTensorFile {
  int fd;
  uint64_t off; /* where element 0 is in the file */
};

#endif
