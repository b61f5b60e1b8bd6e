/* The pim target's entry: compile a quantized module for a device and write
 * the .pimbin. */
#include "dlc/pim.h"
#include "dlc/support.h"
#include "../target_util.h"
#include "dlc/target.h"
#include "dlc/plan.h"

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

static void rows_ir(DlBuf *b, const DlPimProgram *p, const DlPimKernel *k) {
  for (int64_t c = k->cmd0; c < k->cmd0 + k->ncmd; c++) {
    uint64_t w = p->cmd[c];
    uint32_t x = dl_pim_x(w), y = dl_pim_y(w), z = dl_pim_z(w);
    switch (dl_pim_op(w)) {
    case DL_PIM_BLOCK: dl_buf_printf(b, "\"pim.block\"() {index = %u : i64} : () -> ()\n", x); break;
    case DL_PIM_LOAD:
      dl_buf_printf(b, "\"pim.load\"() {tap = %u : i64, row = %u : i64, operand = %u : i64} : () -> ()\n", x, y, z);
      break;
    case DL_PIM_STORE: dl_buf_printf(b, "\"pim.store\"() {channel = %u : i64, row = %u : i64} : () -> ()\n", x, y); break;
    case DL_PIM_AAP:
      if (z == 0xFFFF) dl_buf_printf(b, "\"pim.aap\"() {src = %u : i64, dst = [%u : i64]} : () -> ()\n", x, y);
      else dl_buf_printf(b, "\"pim.aap\"() {src = %u : i64, dst = [%u : i64, %u : i64]} : () -> ()\n", x, y, z);
      break;
    case DL_PIM_AP: dl_buf_printf(b, "\"pim.ap\"() {rows = [%u : i64, %u : i64, %u : i64]} : () -> ()\n", x, y, z); break;
    default: break;
    }
  }
}

char *dl_pim_ir(MlirModule m, const DlPimDevice *dev, bool rows, size_t *len, DlError *e) {
  DlPimProgram p;
  if (!dl_pim_compile(m, dev, &p, e)) return NULL;
  DlPlan *plan = dl_plan_create(m, e);
  if (!plan) {
    dl_pim_program_free(&p);
    return NULL;
  }
  DlBuf b = {0};
  dl_buf_printf(&b, "\"pim.device\"() {name = \"%s\", channels = %d : i64, banks = %d : i64, subarrays = %d : i64, "
                    "rows = %d : i64, cols = %d : i64} : () -> ()\n",
                dev->name, dev->channels, dev->banks, dev->subarrays, dev->rows, dev->cols);
  for (int s = 0, ki = 0; s < plan->nsteps; s++) {
    const DlStep *st = &plan->steps[s];
    if (ki < p.nk && p.k[ki].step == s) {
      const DlPimKernel *k = &p.k[ki++];
      dl_buf_printf(&b, "\"pim.kernel\"() {step = %d : i64, kind = \"%s\", lanes = %lld : i64, channels = %lld : i64, "
                        "block = %lld : i64, taps = %lld : i64, in_bits = %d : i64, out_bits = %d : i64, "
                        "aap = %lld : i64, ap = %lld : i64, loads = %lld : i64, stores = %lld : i64} : () -> ()",
                    s, k->kind == DL_PIM_K_MAC ? "mac" : "max", (long long)k->lanes, (long long)k->nch,
                    (long long)k->block, (long long)k->ntaps, k->in_bits[0], k->out_bits, (long long)k->naap,
                    (long long)k->nap, (long long)k->nload, (long long)k->nstore);
      dl_ir_loc(&b, st->where);
      if (rows) rows_ir(&b, &p, k);
      continue;
    }
    MlirIdentifier name = mlirOperationGetName(mlirOpResultGetOwner(st->val));
    MlirStringRef n = mlirIdentifierStr(name);
    dl_buf_printf(&b, "\"pim.host\"() {step = %d : i64, op = \"%.*s\"} : () -> ()", s, (int)n.length, n.data);
    dl_ir_loc(&b, st->where);
  }
  dl_plan_destroy(plan);
  dl_pim_program_free(&p);
  char *text = dl_ir_reprint(mlirModuleGetContext(m), &b, "pim", len, e);
  dl_buf_free(&b);
  return text;
}
