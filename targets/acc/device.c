/* Accelerator descriptions: JSON files (targets/acc/devices), the built-in
 * presets embedded at build time. */
#include <string.h>

#include "../target_util.h"
#include "dlc/acc.h"

extern const char dl_acc_edge_json[], dl_acc_dpu_json[];

static bool parse(const cJSON *o, void *dev, DlError *e) {
  DlAccDevice *d = dev;
  memset(d, 0, sizeof *d);
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name"), *rq = cJSON_GetObjectItemCaseSensitive(o, "requant");
  snprintf(d->name, sizeof d->name, "%s", cJSON_IsString(name) ? name->valuestring : "unnamed");
  if (!cJSON_IsString(rq) || (strcmp(rq->valuestring, "shift") && strcmp(rq->valuestring, "multiply")))
    return dl_error_set(e, "device: requant must be \"shift\" or \"multiply\"");
  d->requant_mult = !strcmp(rq->valuestring, "multiply");
  double v[12] = {0};
  bool ok = dl_json_num(o, "pe", "rows", 1, 4096, &v[0], e) && dl_json_num(o, "pe", "cols", 1, 4096, &v[1], e) &&
            dl_json_num(o, "pe", "k", 1, 4096, &v[2], e) && dl_json_num(o, "pe", "pack4", 0, 8, &v[3], e) &&
            dl_json_num(o, "pe", "pack2", 0, 16, &v[4], e) && dl_json_num(o, "outliers", "lanes", 0, 4096, &v[5], e) &&
            dl_json_num(o, "outliers", "bits", 2, 16, &v[6], e) && dl_json_num(o, NULL, "alu_lanes", 1, 65536, &v[7], e) &&
            dl_json_num(o, "buffers_bytes", "input", 64, 1 << 30, &v[8], e) &&
            dl_json_num(o, "buffers_bytes", "weight", 64, 1 << 30, &v[9], e) &&
            dl_json_num(o, "buffers_bytes", "accumulator", 64, 1 << 30, &v[10], e) &&
            dl_json_num(o, "buffers_bytes", "output", 64, 1 << 30, &v[11], e) &&
            dl_json_num(o, NULL, "clock_ghz", 0.001, 100, &d->ghz, e) && dl_json_num(o, "dram", "gbs", 0.001, 1e6, &d->dram_gbs, e) &&
            dl_json_num(o, "dram", "latency_ns", 0, 1e6, &d->dram_ns, e) && dl_json_num(o, "energy_pj", "mac", 0, 1e6, &d->e_mac, e) &&
            dl_json_num(o, "energy_pj", "buffer_byte", 0, 1e6, &d->e_buf, e) &&
            dl_json_num(o, "energy_pj", "dram_byte", 0, 1e6, &d->e_dram, e) && dl_json_num(o, "energy_pj", "alu", 0, 1e6, &d->e_alu, e) &&
            dl_json_num(o, "host", "ns_per_op", 0, 1e6, &d->host_ns_op, e) && dl_json_num(o, "host", "pj_per_op", 0, 1e6, &d->host_pj_op, e);
  if (!ok) return false;
  d->pe_rows = (int)v[0], d->pe_cols = (int)v[1], d->pe_k = (int)v[2], d->pack4 = (int)v[3], d->pack2 = (int)v[4];
  d->outlier_lanes = (int)v[5], d->outlier_bits = (int)v[6], d->alu_lanes = (int)v[7];
  d->ibuf = (int64_t)v[8], d->wbuf = (int64_t)v[9], d->abuf = (int64_t)v[10], d->obuf = (int64_t)v[11];
  return true;
}

bool dl_acc_device_parse(const char *text, size_t len, DlAccDevice *d, DlError *e) {
  return dl_device_json_parse(text, len, parse, d, e);
}

bool dl_acc_device_load(const char *path_or_name, DlAccDevice *d, DlError *e) {
  const char *builtin = !path_or_name || !strcmp(path_or_name, "edge") ? dl_acc_edge_json
                        : !strcmp(path_or_name, "dpu")                ? dl_acc_dpu_json
                                                                       : NULL;
  return dl_device_json_load(path_or_name, builtin, parse, d, e);
}
