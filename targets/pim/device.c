/* PIM device descriptions: JSON files (targets/pim/devices), the built-in
 * ones embedded at build time. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"
#include "dlc/support.h"

extern const char dl_pim_hbm2_json[];

static bool num(const cJSON *o, const char *obj, const char *key, double lo, double hi, double *v, DlError *e) {
  const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, obj);
  const cJSON *x = g ? cJSON_GetObjectItemCaseSensitive(g, key) : NULL;
  if (!cJSON_IsNumber(x)) return dl_error_set(e, "device: %s.%s must be a number", obj, key);
  if (!(x->valuedouble >= lo && x->valuedouble <= hi))
    return dl_error_set(e, "device: %s.%s = %g is outside [%g, %g]", obj, key, x->valuedouble, lo, hi);
  *v = x->valuedouble;
  return true;
}

static bool parse(const char *text, DlPimDevice *d, DlError *e) {
  cJSON *o = cJSON_Parse(text);
  if (!o) return dl_error_set(e, "device: not valid JSON");
  memset(d, 0, sizeof *d);
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
  snprintf(d->name, sizeof d->name, "%s", cJSON_IsString(name) ? name->valuestring : "unnamed");
  double v[16] = {0};
  bool ok = num(o, "geometry", "channels", 1, 64, &v[0], e) && num(o, "geometry", "banks", 1, 256, &v[1], e) &&
            num(o, "geometry", "subarrays", 1, 4096, &v[2], e) && num(o, "geometry", "rows", 64, 65536 - 8, &v[3], e) &&
            num(o, "geometry", "cols", 64, 1 << 20, &v[4], e) && num(o, "timing_ns", "aap", 0.01, 1e6, &d->t_aap, e) &&
            num(o, "timing_ns", "ap", 0.01, 1e6, &d->t_ap, e) && num(o, "timing_ns", "tFAW", 0, 1e6, &d->t_faw, e) &&
            num(o, "bus", "gbs_per_channel", 0.001, 1e6, &d->bus_gbs, e) &&
            num(o, "bus", "pj_per_bit", 0, 1e6, &d->e_bus_bit, e) && num(o, "energy_nj", "aap", 0, 1e6, &d->e_aap, e) &&
            num(o, "energy_nj", "ap", 0, 1e6, &d->e_ap, e) && num(o, "host", "ns_per_op", 0, 1e6, &d->host_ns_op, e) &&
            num(o, "host", "pj_per_op", 0, 1e6, &d->host_pj_op, e);
  cJSON_Delete(o);
  if (!ok) return false;
  d->channels = (int)v[0], d->banks = (int)v[1], d->subarrays = (int)v[2], d->rows = (int)v[3], d->cols = (int)v[4];
  if (d->cols % 64) return dl_error_set(e, "device: geometry.cols must be a multiple of 64");
  return true;
}

bool dl_pim_device_load(const char *path_or_name, DlPimDevice *d, DlError *e) {
  if (!path_or_name || !strcmp(path_or_name, "hbm2")) return parse(dl_pim_hbm2_json, d, e);
  char *text;
  size_t len;
  if (!dl_read_file(path_or_name, &text, &len, e)) return false;
  bool ok = parse(text, d, e);
  free(text);
  if (!ok) {
    char *msg = strdup(e->msg);
    dl_error_clear(e);
    dl_error_set(e, "%s: %s", path_or_name, msg);
    free(msg);
  }
  return ok;
}
