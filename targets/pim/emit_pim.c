/* The pim target's entry: compile a quantized module for a device and write
 * the .pimbin. */
#include "dlc/pim.h"
#include "dlc/target.h"

bool dl_target_pim_emit(MlirModule m, const DlTargetOptions *o, DlError *e) {
  DlPimDevice dev;
  DlPimProgram p;
  if (!dl_pim_device_load(o->device, &dev, e) || !dl_pim_compile(m, &dev, &p, e)) return false;
  bool ok = p.nk > 0 || dl_error_set(e, "the pim target runs quantized models: nothing here has an integer form "
                                         "(compile with --quantize, or give a quantized model)");
  ok = ok && dl_pim_write(o->out_path, &p, e);
  dl_pim_program_free(&p);
  return ok;
}
