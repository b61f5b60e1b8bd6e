/* A single serialized TensorProto (input_0.pb, output_0.pb in ONNX test sets). */
#include <stdlib.h>
#include <string.h>

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

int dl_onnx_input_names(const char *path, char ***names, DlError *e) {
  char *buf;
  size_t len;
  *names = NULL;
  if (!dl_read_file(path, &buf, &len, e)) return -1;
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, (const uint8_t *)buf);
  free(buf);
  if (!m || !m->graph) {
    if (m) onnx__model_proto__free_unpacked(m, NULL);
    return dl_error_set(e, "%s: not a valid ONNX model", path), -1;
  }
  Onnx__GraphProto *g = m->graph;
  int n = 0;
  *names = calloc(g->n_input + 1, sizeof(char *));
  for (size_t i = 0; i < g->n_input; i++) {
    const char *nm = g->input[i]->name ? g->input[i]->name : "";
    bool init = false;
    for (size_t j = 0; j < g->n_initializer && !init; j++)
      init = g->initializer[j]->name && !strcmp(g->initializer[j]->name, nm);
    if (!init) (*names)[n++] = strdup(nm);
  }
  onnx__model_proto__free_unpacked(m, NULL);
  return n;
}
