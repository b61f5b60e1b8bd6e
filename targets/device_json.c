/* Device JSON helpers shared by the pim and acc targets. */
#include <stdlib.h>
#include <string.h>

#include "device_json.h"
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

bool dl_device_json_load(const char *path_or_builtin, const char *builtin_text,
                         bool (*parse)(const cJSON *o, void *dev, DlError *e), void *dev, DlError *e) {
  char *text = NULL;
  size_t len;
  if (!builtin_text && !dl_read_file(path_or_builtin, &text, &len, e)) return false;
  cJSON *o = cJSON_Parse(builtin_text ? builtin_text : text);
  bool ok = o ? parse(o, dev, e) : dl_error_set(e, "device: not valid JSON");
  cJSON_Delete(o);
  free(text);
  if (!ok && !builtin_text) {
    char *msg = strdup(e->msg);
    dl_error_clear(e);
    dl_error_set(e, "%s: %s", path_or_builtin, msg);
    free(msg);
  }
  return ok;
}
