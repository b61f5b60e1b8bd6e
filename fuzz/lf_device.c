/* libFuzzer entry: the device JSON readers of the acc and pim targets
 * (dl_acc_device_parse, dl_pim_device_parse), both on every input. An
 * accepted device must be in the ranges the lowering divides by. */
#include "dlc/acc.h"
#include "dlc/pim.h"
#include "lf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlError e = {0};
  DlAccDevice a;
  if (!dl_acc_device_parse((const char *)data, size, &a, &e)) lf_rejected(&e, "dl_acc_device_parse");
  else if (a.pe_rows < 1 || a.pe_cols < 1 || a.pe_k < 1 || a.alu_lanes < 1 || a.ibuf < 64 || a.wbuf < 64 ||
           a.abuf < 64 || a.obuf < 64 || !(a.ghz > 0) || !(a.dram_gbs > 0) || a.outlier_bits < 2 ||
           a.outlier_bits > 16 || a.name[sizeof a.name - 1])
    lf_finding("dl_acc_device_parse accepted a device out of range");
  else lf_accepted++;
  DlPimDevice p;
  if (!dl_pim_device_parse((const char *)data, size, &p, &e)) lf_rejected(&e, "dl_pim_device_parse");
  else if (p.channels < 1 || p.banks < 1 || p.subarrays < 1 || p.rows < 64 || p.cols < 64 || p.cols % 64 ||
           !(p.bus_gbs > 0) || !(p.t_aap > 0) || !(p.t_ap > 0) || p.name[sizeof p.name - 1])
    lf_finding("dl_pim_device_parse accepted a device out of range");
  else lf_deep++;
  return 0;
}
