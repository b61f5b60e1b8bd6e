/* The acc target's entry: compile a quantized module for a device, write the
 * .accbin; and the acc IR for --emit=acc. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "acc_internal.h"
#include "dlc/support.h"
#include "../target_util.h"
#include "dlc/target.h"

bool dl_target_acc_emit(MlirModule m, const DlTargetOptions *o, DlError *e) {
  DlAccDevice dev;
  DlAccProgram p;
  if (!dl_acc_device_load(o->device, &dev, e) || !dl_acc_compile(m, &dev, &p, e)) return false;
  /* a layer set aside for the device's requantization limit is said so at compile time, never found at run time */
  if (p.nwide && p.nl)
    fprintf(stderr,
            "dlc: warning: %s%s: runs on the host: its sums times its requantization multiplier could reach 2^%.1f, "
            "beyond the int64 requantization of device '%s' (2^62); fewer activation bits (\"abits\" in --config) keep it "
            "on the device\n",
            p.wide_where, p.nwide > 1 ? " and others" : "", log2(p.wide_peak), dev.name);
  bool ok = p.nl > 0 ||
            (p.nwide ? dl_error_set(e, "%s: cannot run on device '%s': its sums times its requantization multiplier "
                                       "could reach 2^%.1f, beyond the device's int64 requantization (2^62); give it "
                                       "fewer activation bits (\"abits\" in --config)",
                                    p.wide_where, dev.name, log2(p.wide_peak))
                     : dl_error_set(e, "the acc target runs quantized models: nothing here has an integer form "
                                       "(compile with --quantize, or give a quantized model)"));
  ok = ok && dl_acc_write(o->out_path, &p, e);
  dl_acc_program_free(&p);
  return ok;
}

char *dl_acc_ir(MlirModule m, const DlAccDevice *dev, bool insns, size_t *len, DlError *e) {
  static const char *kinds[] = {"conv", "matmul", "add", "maxpool", "lut", "mul", "concat"};
  DlAccProgram p;
  if (!dl_acc_compile(m, dev, &p, e)) return NULL;
  DlPlan *plan = dl_plan_create(m, e);
  if (!plan) {
    dl_acc_program_free(&p);
    return NULL;
  }
  DlBuf b = {0};
  dl_buf_printf(&b, "\"acc.device\"() {name = \"%s\", pe = [%d : i64, %d : i64, %d : i64], buffers = [%lld : i64, %lld : i64, "
                    "%lld : i64, %lld : i64]} : () -> ()\n",
                dev->name, dev->pe_rows, dev->pe_cols, dev->pe_k, (long long)dev->ibuf, (long long)dev->wbuf,
                (long long)dev->abuf, (long long)dev->obuf);
  for (int s = 0, li = 0; s < plan->nsteps; s++) {
    const DlStep *st = &plan->steps[s];
    if (li < p.nl && p.l[li].step == s) {
      const DlAccLayer *l = &p.l[li++];
      dl_buf_printf(&b, "\"acc.layer\"() {step = %d : i64, kind = \"%s\", shape = [%lld : i64, %lld : i64, %lld : i64], "
                        "tile = [%lld : i64, %lld : i64, %lld : i64], order = \"%s\", weight_bits = %d : i64, "
                        "outliers = %lld : i64, instructions = %lld : i64, weight_format = \"%s\", zero_blocks = %lld : i64} "
                        ": () -> ()",
                    s, kinds[l->kind], (long long)l->M, (long long)l->N, (long long)l->K, (long long)l->mt,
                    (long long)l->nt, (long long)l->kt, l->order ? "m" : "n", l->wbits, (long long)l->noutliers,
                    (long long)l->ncmd, l->wformat == DL_ACC_W_BLOCKS ? "blocks" : "dense", (long long)l->zblocks);
      dl_ir_loc(&b, st->where);
      for (int64_t i = l->icmd; insns && i < l->icmd + l->ncmd; i++) {
        const DlAccInsn *in = &p.insn[i];
        if (dl_acc_op(in) == DL_ACC_CFG) {
          unsigned bits = dl_acc_hi(in->w[3]);
          dl_buf_printf(&b, "\"acc.cfg\"() {zx = %d : i64, zb = %d : i64, zo = %d : i64, lo = %d : i64, hi = %d : i64, "
                            "xbits = %u : i64, wbits = %u : i64, obits = %u : i64, shift_only = %u : i64} : () -> ()\n",
                        (int32_t)dl_acc_lo(in->w[1]), (int32_t)dl_acc_hi(in->w[1]), (int32_t)dl_acc_lo(in->w[2]),
                        (int32_t)dl_acc_hi(in->w[2]), (int32_t)dl_acc_lo(in->w[3]), bits & 0xFF, bits >> 8 & 0xFF,
                        bits >> 16 & 0xFF, bits >> 24 & 0xFF);
          continue;
        }
        dl_buf_printf(&b, "\"acc.insn\"() {op = \"%s\", slots = %u : i64, deps = [%u : i64, %u : i64], m = [%u : i64, %u : i64], "
                          "n = [%u : i64, %u : i64], k = [%u : i64, %u : i64]} : () -> ()\n",
                      dl_acc_op_name(dl_acc_op(in)), dl_acc_slots(in), dl_acc_dep(in, 0), dl_acc_dep(in, 1),
                      dl_acc_lo(in->w[1]), dl_acc_hi(in->w[1]), dl_acc_lo(in->w[2]), dl_acc_hi(in->w[2]),
                      dl_acc_lo(in->w[3]), dl_acc_hi(in->w[3]));
      }
      continue;
    }
    MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(mlirOpResultGetOwner(st->val)));
    dl_buf_printf(&b, "\"acc.host\"() {step = %d : i64, op = \"%.*s\"} : () -> ()", s, (int)n.length, n.data);
    dl_ir_loc(&b, st->where);
  }
  dl_plan_destroy(plan);
  dl_acc_program_free(&p);
  char *text = dl_ir_reprint(mlirModuleGetContext(m), &b, "acc", len, e);
  dl_buf_free(&b);
  return text;
}
