/* PIM device descriptions: JSON files (targets/pim/devices), the built-in
 * one embedded at build time. */
#include <string.h>

#include "../target_util.h"
#include "dlc/pim.h"

extern const char dl_pim_hbm2_json[];

static bool parse(const cJSON *o, void *dev, DlError *e) {
  DlPimDevice *d = dev;
  memset(d, 0, sizeof *d);
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
  snprintf(d->name, sizeof d->name, "%s", cJSON_IsString(name) ? name->valuestring : "unnamed");
  double v[5] = {0};
  bool ok = dl_json_num(o, "geometry", "channels", 1, 64, &v[0], e) && dl_json_num(o, "geometry", "banks", 1, 256, &v[1], e) &&
            dl_json_num(o, "geometry", "subarrays", 1, 4096, &v[2], e) &&
            dl_json_num(o, "geometry", "rows", 64, 65536 - 8, &v[3], e) &&
            dl_json_num(o, "geometry", "cols", 64, 1 << 20, &v[4], e) && dl_json_num(o, "timing_ns", "aap", 0.01, 1e6, &d->t_aap, e) &&
            dl_json_num(o, "timing_ns", "ap", 0.01, 1e6, &d->t_ap, e) && dl_json_num(o, "timing_ns", "tFAW", 0, 1e6, &d->t_faw, e) &&
            dl_json_num(o, "bus", "gbs_per_channel", 0.001, 1e6, &d->bus_gbs, e) &&
            dl_json_num(o, "bus", "pj_per_bit", 0, 1e6, &d->e_bus_bit, e) && dl_json_num(o, "energy_nj", "aap", 0, 1e6, &d->e_aap, e) &&
            dl_json_num(o, "energy_nj", "ap", 0, 1e6, &d->e_ap, e) && dl_json_num(o, "host", "ns_per_op", 0, 1e6, &d->host_ns_op, e) &&
            dl_json_num(o, "host", "pj_per_op", 0, 1e6, &d->host_pj_op, e);
  if (!ok) return false;
  const cJSON *sched = cJSON_GetObjectItemCaseSensitive(o, "schedule");
  const cJSON *obj = sched ? cJSON_GetObjectItemCaseSensitive(sched, "objective") : NULL;
  if (obj && (!cJSON_IsString(obj) || !dl_pim_objective_parse(obj->valuestring, &d->objective)))
    return dl_error_set(e, "device: schedule.objective must be \"edp\", \"energy\" or \"time\"");
  d->channels = (int)v[0], d->banks = (int)v[1], d->subarrays = (int)v[2], d->rows = (int)v[3], d->cols = (int)v[4];
  if (d->cols % 64) return dl_error_set(e, "device: geometry.cols must be a multiple of 64");
  return true;
}

bool dl_pim_device_parse(const char *text, size_t len, DlPimDevice *d, DlError *e) {
  return dl_device_json_parse(text, len, parse, d, e);
}

bool dl_pim_objective_parse(const char *s, DlPimObjective *o) {
  static const char *names[] = {"edp", "energy", "time"};
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, names[i])) return *o = (DlPimObjective)i, true;
  return false;
}

bool dl_pim_device_load(const char *spec, DlPimDevice *d, DlError *e) {
  char path[4096];
  snprintf(path, sizeof path, "%s", spec ? spec : "hbm2");
  char *opt = strstr(path, ",objective=");
  DlPimObjective o = DL_PIM_OBJ_EDP;
  if (opt) {
    if (!dl_pim_objective_parse(opt + 11, &o))
      return dl_error_set(e, "device %s: objective must be edp, energy or time, not '%s'", spec, opt + 11);
    *opt = 0;
  }
  if (!path[0]) snprintf(path, sizeof path, "hbm2"); /* only an objective given */
  bool builtin = !strcmp(path, "hbm2");
  if (!dl_device_json_load(path, builtin ? dl_pim_hbm2_json : NULL, parse, d, e)) return false;
  if (opt) d->objective = o;
  return true;
}
