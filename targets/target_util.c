/* Helpers shared by the pim and acc targets. */
#include <stdlib.h>
#include <string.h>

#include "target_util.h"
#include "dlc/plan.h"
#include "dlc/support.h"

bool dl_json_num(const cJSON *o, const char *obj, const char *key, double lo, double hi, double *v, DlError *e) {
  const cJSON *g = obj ? cJSON_GetObjectItemCaseSensitive(o, obj) : o;
  const cJSON *x = g ? cJSON_GetObjectItemCaseSensitive(g, key) : NULL;
  if (!cJSON_IsNumber(x)) return dl_error_set(e, "device: %s%s%s must be a number", obj ? obj : "", obj ? "." : "", key);
  if (!(x->valuedouble >= lo && x->valuedouble <= hi))
    return dl_error_set(e, "device: %s%s%s = %g is outside [%g, %g]", obj ? obj : "", obj ? "." : "", key, x->valuedouble,
                        lo, hi);
  *v = x->valuedouble;
  return true;
}

bool dl_device_json_parse(const char *text, size_t len, bool (*parse)(const cJSON *o, void *dev, DlError *e), void *dev,
                          DlError *e) {
  const char *end = NULL;
  cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, false);
  while (o && end && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
  bool ok = o && (!end || end == text + len) ? parse(o, dev, e)
                                              : dl_error_set(e, "device: not valid JSON (or text after the JSON value)");
  cJSON_Delete(o);
  return ok;
}

bool dl_device_json_load(const char *path_or_builtin, const char *builtin_text,
                         bool (*parse)(const cJSON *o, void *dev, DlError *e), void *dev, DlError *e) {
  if (builtin_text) return dl_device_json_parse(builtin_text, strlen(builtin_text), parse, dev, e);
  char *text = NULL;
  size_t len;
  if (!dl_read_file(path_or_builtin, &text, &len, e)) return false;
  bool ok = dl_device_json_parse(text, len, parse, dev, e);
  free(text);
  return ok || dl_error_prefix(e, path_or_builtin);
}

void dl_ir_loc(DlBuf *b, const char *where) {
  dl_buf_printf(b, " loc(\"");
  for (const char *c = where; *c; c++) dl_buf_printf(b, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
  dl_buf_printf(b, "\")\n");
}

char *dl_ir_reprint(MlirContext ctx, const DlBuf *text, const char *what, size_t *len, DlError *e) {
  MlirModule ir = mlirModuleCreateParse(ctx, mlirStringRefCreate(text->data, text->len));
  if (mlirModuleIsNull(ir) || !dl_verify(mlirModuleGetOperation(ir))) {
    if (!mlirModuleIsNull(ir)) mlirModuleDestroy(ir);
    dl_error_set(e, "internal: the %s IR does not verify", what);
    return NULL;
  }
  char *out = dl_print_op(mlirModuleGetOperation(ir), DL_PRINT_LOC, len);
  mlirModuleDestroy(ir);
  return out;
}

bool dl_call_matmul_is_flat(const DlCall *c) {
  for (dlrt_i b = 0; b < c->batches; b++)
    if (c->aoff[b] != b * c->M * c->K || c->boff[b] != 0) return false;
  return true;
}

void dl_host_step_note(FILE *f, const void *step, const char *target) {
  const DlStep *st = step;
  const char *op = st->k != DL_OP_COUNT ? dl_op_info(st->k)->mnemonic
                   : !st->q || st->q->kind == DL_Q_CONCAT ? "tensor.concat"
                   : st->q->kind == DL_Q_QCAST ? "quant.qcast"
                   : st->q->kind == DL_Q_DCAST ? "quant.dcast"
                                                : "quant.scast";
  const char *why = !st->q ? "float step: runs on the host"
                    : st->q->kind == DL_Q_QCAST || st->q->kind == DL_Q_DCAST
                        ? "conversion between float and integer: runs on the host"
                        : NULL;
  fprintf(f, ", \"op\": \"%s%s\", \"note\": ", st->k != DL_OP_COUNT ? "qg." : "", op);
  if (why) fprintf(f, "\"%s\"", why);
  else fprintf(f, "\"integer step with no %s kernel: runs on the host (the interpreter's integer kernel, bit-exact)\"", target);
}

bool dl_call_binary_is_dense(const DlCall *c) {
  for (int d = 0; d < c->r; d++) {
    int64_t stride = 1;
    for (int d2 = d + 1; d2 < c->r; d2++) stride *= c->dims[d2];
    if (c->dims[d] > 1 && (c->as[d] != stride || c->bs[d] != stride)) return false;
  }
  return true;
}
