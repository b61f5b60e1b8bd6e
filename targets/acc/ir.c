/* The acc IR for --emit=acc (printed by dl_sim_ir, ../simulated.c): the
 * device, one acc.layer per layer and, with --acc-insns, its instructions. */
#include <string.h>

#include "acc_internal.h"
#include "dlc/support.h"

void dl_acc_ir_device(DlBuf *b, const void *prog) {
  const DlAccDevice *dev = &((const DlAccProgram *)prog)->dev;
  dl_buf_printf(b, "\"acc.device\"() {name = \"%s\", pe = [%d : i64, %d : i64, %d : i64], buffers = [%lld : i64, %lld : i64, "
                   "%lld : i64, %lld : i64]} : () -> ()\n",
                dev->name, dev->pe_rows, dev->pe_cols, dev->pe_k, (long long)dev->ibuf, (long long)dev->wbuf,
                (long long)dev->abuf, (long long)dev->obuf);
}

void dl_acc_ir_unit(DlBuf *b, const void *prog, int i) {
  const DlAccLayer *l = &((const DlAccProgram *)prog)->l[i];
  dl_buf_printf(b, "\"acc.layer\"() {step = %d : i64, kind = \"%s\", shape = [%lld : i64, %lld : i64, %lld : i64], "
                   "tile = [%lld : i64, %lld : i64, %lld : i64], order = \"%s\", weight_bits = %d : i64, "
                   "outliers = %lld : i64, instructions = %lld : i64, weight_format = \"%s\", zero_blocks = %lld : i64} "
                   ": () -> ()",
                l->step, dl_acc_layer_kind_name(l->kind), (long long)l->M, (long long)l->N, (long long)l->K, (long long)l->mt,
                (long long)l->nt, (long long)l->kt, l->order ? "m" : "n", l->wbits, (long long)l->noutliers,
                (long long)l->ncmd, l->wformat == DL_ACC_W_BLOCKS ? "blocks" : l->wformat == DL_ACC_W_CODEBOOK ? "codebook" : "dense", (long long)l->zblocks);
}

void dl_acc_ir_detail(DlBuf *b, const void *prog, int i) {
  const DlAccProgram *p = prog;
  const DlAccLayer *l = &p->l[i];
  for (int64_t c = l->icmd; c < l->icmd + l->ncmd; c++) {
    const DlAccInsn *in = &p->insn[c];
    if (dl_acc_op(in) == DL_ACC_CFG) {
      unsigned bits = dl_acc_hi(in->w[3]);
      dl_buf_printf(b, "\"acc.cfg\"() {zx = %d : i64, zb = %d : i64, zo = %d : i64, lo = %d : i64, hi = %d : i64, "
                        "xbits = %u : i64, wbits = %u : i64, obits = %u : i64, shift_only = %u : i64} : () -> ()\n",
                    (int32_t)dl_acc_lo(in->w[1]), (int32_t)dl_acc_hi(in->w[1]), (int32_t)dl_acc_lo(in->w[2]),
                    (int32_t)dl_acc_hi(in->w[2]), (int32_t)dl_acc_lo(in->w[3]), bits & 0xFF, bits >> 8 & 0xFF,
                    bits >> 16 & 0xFF, bits >> 24 & 0xFF);
      continue;
    }
    dl_buf_printf(b, "\"acc.insn\"() {op = \"%s\", slots = %u : i64, deps = [%u : i64, %u : i64], m = [%u : i64, %u : i64], "
                      "n = [%u : i64, %u : i64], k = [%u : i64, %u : i64]} : () -> ()\n",
                  dl_acc_op_name(dl_acc_op(in)), dl_acc_slots(in), dl_acc_dep(in, 0), dl_acc_dep(in, 1),
                  dl_acc_lo(in->w[1]), dl_acc_hi(in->w[1]), dl_acc_lo(in->w[2]), dl_acc_hi(in->w[2]),
                  dl_acc_lo(in->w[3]), dl_acc_hi(in->w[3]));
  }
}
