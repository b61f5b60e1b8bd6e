/* The pim IR for --emit=pim (printed by dl_sim_ir, ../simulated.c): the
 * device, one pim.kernel per kernel and, with --pim-rows, its row commands. */
#include "dlc/pim.h"
#include "dlc/support.h"

void dl_pim_ir_device(DlBuf *b, const void *prog) {
  const DlPimDevice *dev = &((const DlPimProgram *)prog)->dev;
  dl_buf_printf(b, "\"pim.device\"() {name = \"%s\", channels = %d : i64, banks = %d : i64, subarrays = %d : i64, "
                   "rows = %d : i64, cols = %d : i64} : () -> ()\n",
                dev->name, dev->channels, dev->banks, dev->subarrays, dev->rows, dev->cols);
}

void dl_pim_ir_unit(DlBuf *b, const void *prog, int i) {
  const DlPimKernel *k = &((const DlPimProgram *)prog)->k[i];
  dl_buf_printf(b, "\"pim.kernel\"() {step = %d : i64, kind = \"%s\", lanes = %lld : i64, channels = %lld : i64, "
                   "block = %lld : i64, taps = %lld : i64, in_bits = %d : i64, out_bits = %d : i64, "
                   "aap = %lld : i64, ap = %lld : i64, loads = %lld : i64, stores = %lld : i64} : () -> ()",
                k->step, k->kind == DL_PIM_K_MAC ? "mac" : "max", (long long)k->lanes, (long long)k->nch,
                (long long)k->block, (long long)k->ntaps, k->in_bits[0], k->out_bits, (long long)k->naap,
                (long long)k->nap, (long long)k->nload, (long long)k->nstore);
}

void dl_pim_ir_detail(DlBuf *b, const void *prog, int i) {
  const DlPimProgram *p = prog;
  const DlPimKernel *k = &p->k[i];
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

