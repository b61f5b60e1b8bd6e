/* The .accbin / .pimbin entries (lf_accbin.c, lf_pimbin.c): the input is
 * resealed (its last 4 bytes replaced by the CRC-32 of the rest, as
 * dl_buf_seal writes it), so mutants reach the field checks rather than stop
 * at "checksum mismatch"; the checksum itself is tested by
 * test/safety/binary-checksum.test and dlc-fuzz-sim --flip-bits. A program
 * the reader accepts is checked against its embedded model and, if it
 * matches, simulated on one deterministic input, as dlc-run does. */
#ifndef DLC_FUZZ_LF_SIM_H
#define DLC_FUZZ_LF_SIM_H

#include <math.h>
#include <string.h>

#include "dlc/acc.h"
#include "dlc/pim.h"
#include "dlc/support.h"
#include "lf.h"

static MlirContext lf_ctx;
static long lf_inputs;

/* One input per plan input, of its shape, filled with a fixed pattern;
 * false (nothing allocated) if an input is too large to be worth running. */
static bool lf_inputs_make(const DlPlan *plan, DlTensor *x, const void **in) {
  int n = dl_plan_num_inputs(plan);
  for (int i = 0; i < n; i++) {
    const DlShape *s = dl_plan_input_shape(plan, i);
    size_t bytes;
    if (!dl_shape_bytes(s, &bytes) || bytes > (1u << 22) || !dl_tensor_alloc(&x[i], s)) {
      for (int j = 0; j < i; j++) dl_tensor_free(&x[j]);
      return false;
    }
    for (int64_t k = 0, nk = dl_shape_numel(s); k < nk; k++)
      if (dl_dtype_is_float(s->dtype)) dl_tensor_set_f(&x[i], k, sin(0.37 * (double)k));
      else dl_tensor_set_i(&x[i], k, (k * 7) % 5 - 2);
    in[i] = x[i].data;
  }
  return true;
}

static int lf_sim_input(bool acc, const uint8_t *data, size_t size) {
  DlError e = {0};
  lf_context(&lf_ctx, &lf_inputs);
  unsigned char *m = malloc(size + 1);
  memcpy(m, data, size);
  if (size >= 4) {
    uint32_t c = dl_crc32(0, m, size - 4);
    for (int b = 0; b < 4; b++) m[size - 4 + (size_t)b] = (unsigned char)(c >> (8 * b));
  }
  DlPimProgram pp = {0};
  DlAccProgram ap = {0};
  if (acc ? !dl_acc_parse(m, size, &ap, &e) : !dl_pim_parse(m, size, &pp, &e)) {
    lf_rejected(&e, acc ? "dl_acc_parse" : "dl_pim_parse");
    free(m);
    return 0;
  }
  lf_accepted++;
  const char *text = acc ? ap.mlir : pp.mlir;
  size_t tlen = acc ? ap.mlir_len : pp.mlir_len;
  MlirModule mod = mlirModuleCreateParse(lf_ctx, mlirStringRefCreate(text, tlen));
  if (!mlirModuleIsNull(mod) && !dl_verify(mlirModuleGetOperation(mod))) /* as dl_sim_load: planned only if it verifies */
    mlirModuleDestroy(mod), mod = (MlirModule){NULL};
  DlPlan *plan = mlirModuleIsNull(mod) ? NULL : dl_plan_create(mod, &e);
  if (!mlirModuleIsNull(mod) && !plan) lf_rejected(&e, "dl_plan_create");
  DlPimSim *ps = plan && !acc ? dl_pim_sim_create(&pp, plan, &e) : NULL;
  DlAccSim *as = plan && acc ? dl_acc_sim_create(&ap, plan, &e) : NULL;
  if (plan && !ps && !as) lf_rejected(&e, acc ? "dl_acc_sim_create" : "dl_pim_sim_create");
  DlTensor x[256] = {0};
  const void *in[256];
  if ((ps || as) && dl_plan_num_inputs(plan) <= 256 && lf_inputs_make(plan, x, in)) {
    if (!dl_plan_run(plan, in, &e)) lf_rejected(&e, "dl_plan_run");
    else lf_deep++;
    for (int i = 0; i < dl_plan_num_inputs(plan); i++) dl_tensor_free(&x[i]);
  }
  dl_pim_sim_destroy(ps);
  dl_acc_sim_destroy(as);
  dl_plan_destroy(plan);
  if (!mlirModuleIsNull(mod)) mlirModuleDestroy(mod);
  dl_pim_program_free(&pp);
  dl_acc_program_free(&ap);
  free(m);
  return 0;
}

#endif
