/* libFuzzer entry: the --config JSON reader (dl_quant_config_parse). An
 * accepted file must leave settings in their documented ranges. */
#include "dlc/prune.h"
#include "dlc/quant.h"
#include "lf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlError e = {0};
  DlQuantSettings s = {.wbits = 8, .abits = 8};
  DlQuantConfig *c = dl_quant_config_parse((const char *)data, size, "fuzz.json", &s, &e);
  if (!c) {
    lf_rejected(&e, "dl_quant_config_parse");
    return 0;
  }
  if (s.wbits < 2 || s.wbits > 16 || s.abits < 2 || s.abits > 16 || !(s.outliers >= 0 && s.outliers < 0.5) ||
      (s.outlier_bits && (s.outlier_bits < 3 || s.outlier_bits > 16)) || s.calib.limit < 0)
    lf_finding("dl_quant_config_parse accepted settings out of range");
  lf_accepted++;
  DlPruneComp comp;
  int64_t samples;
  lf_deep += dl_quant_config_prunes(c, &comp, &samples);
  dl_quant_config_destroy(c);
  return 0;
}
