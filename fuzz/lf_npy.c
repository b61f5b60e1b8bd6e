/* libFuzzer entry: the .npy reader (dl_npy_parse). An accepted array must
 * hold exactly the bytes its shape says, all readable. */
#include <string.h>

#include "dlc/npy.h"
#include "lf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlError e = {0};
  DlTensor t = {0};
  if (!dl_npy_parse(data, size, &t, &e)) {
    lf_rejected(&e, "dl_npy_parse");
    return 0;
  }
  size_t bytes;
  if (t.shape.rank < 0 || t.shape.rank > DL_MAX_RANK || !dl_shape_bytes(&t.shape, &bytes) || bytes > size)
    lf_finding("dl_npy_parse accepted a shape of more bytes than the file holds");
  if (bytes != dl_tensor_bytes(&t)) lf_finding("the tensor's bytes do not match its shape");
  unsigned char sum = 0; /* every byte readable (ASan checks) */
  for (size_t i = 0; i < bytes; i++) sum ^= ((const unsigned char *)t.data)[i];
  (void)sum;
  lf_accepted++, lf_deep += bytes > 0;
  dl_tensor_free(&t);
  return 0;
}
