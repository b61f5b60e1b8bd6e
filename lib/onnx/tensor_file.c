/* A single serialized TensorProto (input_0.pb, output_0.pb in ONNX test sets). */
#include <stdlib.h>

#include "dlc/support.h"
#include "import_internal.h"

bool dl_onnx_read_tensor(const char *path, DlTensor *t, DlError *e) {
  char *buf, dir[4096];
  size_t len;
  if (!dl_read_file(path, &buf, &len, e)) return false;
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, (const uint8_t *)buf);
  free(buf);
  if (!tp) return dl_error_set(e, "%s: not a serialized TensorProto", path);
  dl_path_dirname(path, dir, sizeof dir);
  Imp im = {.dir = dir, .e = e};
  bool ok = dl_onnx_tensor_decode(&im, tp, t, path);
  onnx__tensor_proto__free_unpacked(tp, NULL);
  return ok;
}
