/* The .pimbin file: a little-endian header, the device, a kernel table, the
 * command words and the quantized module's MLIR text (docs/pim-format.md),
 * sealed by a CRC-32 of all of it (version 2).
 * The reader trusts nothing: every field and every command word is checked
 * before the simulator may run it. */
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"
#include "dlc/support.h"
#include "dlc/plan.h"
#include "pim_internal.h"
#include "../simulated.h"
#include "dlc/sparse.h"

const DlContainer dl_pimbin = {{'D', 'L', 'C', 'P', 'I', 'M', '\r', '\n'}, 2, "a .pimbin", ".pimbin"};
enum { DEV_BYTES = 64 + 5 * 4 + 9 * 8, KERNEL_BYTES = 6 * 4 + 17 * 8 };

bool dl_pim_write(const char *path, const DlPimProgram *p, DlError *e) {
  if (p->counted) return dl_error_set(e, "internal: a counted pim program (the cost model's) has no row operations to write");
  DlBuf b = {0};
  const DlPimDevice *d = &p->dev;
  dl_container_begin(&b, &dl_pimbin);
  dl_buf_put_u32(&b, (uint32_t)p->nk);
  dl_buf_put_u64(&b, (uint64_t)p->ncmd);
  dl_buf_put_u64(&b, (uint64_t)p->mlir_len);
  char name[64] = {0};
  snprintf(name, sizeof name, "%s", d->name);
  dl_buf_append(&b, name, 64);
  int geo[5] = {d->channels, d->banks, d->subarrays, d->rows, d->cols};
  for (int i = 0; i < 5; i++) dl_buf_put_u32(&b, (uint32_t)geo[i]);
  double f[9] = {d->t_aap, d->t_ap, d->t_faw, d->bus_gbs, d->e_aap, d->e_ap, d->e_bus_bit, d->host_ns_op, d->host_pj_op};
  for (int i = 0; i < 9; i++) dl_buf_put_f64(&b, f[i]);
  for (int i = 0; i < p->nk; i++) {
    const DlPimKernel *k = &p->k[i];
    int32_t h[6] = {k->step, (int32_t)k->kind, k->nops, k->in_bits[0], k->in_bits[1], k->out_bits};
    for (int j = 0; j < 6; j++) dl_buf_put_u32(&b, (uint32_t)h[j]);
    int64_t v[17] = {k->in_off[0], k->in_off[1], k->pad, k->out_off, k->nch, k->ntaps, k->lanes, k->block, k->cmd0,
                     k->ncmd, k->naap, k->nap, k->nload, k->nstore, k->macs, 0, 0};
    for (int j = 0; j < 17; j++) dl_buf_put_u64(&b, (uint64_t)v[j]);
  }
  for (int64_t i = 0; i < p->ncmd; i++) dl_buf_put_u64(&b, p->cmd[i]);
  dl_buf_append(&b, p->mlir, p->mlir_len);
  return dl_container_write(path, &b, e);
}

static bool compute_row(int rows, uint32_t r) {
  return (r >= (uint32_t)dl_pim_t(rows, 0) && r < (uint32_t)dl_pim_c0(rows)) ||
         (r >= (uint32_t)rows && r < (uint32_t)rows + DL_PIM_NDCC);
}
/* the cell a row address names (an n-wordline names its DCC's cell) */
static uint32_t cell(int rows, uint32_t r) { return r >= (uint32_t)rows ? (uint32_t)dl_pim_dcc(rows, (int)(r - (uint32_t)rows)) : r; }

static bool check_cmd(const DlPimProgram *p, const DlPimKernel *k, int64_t i, bool *in_block, DlError *e) {
  uint64_t w = p->cmd[i];
  int R = p->dev.rows, data = dl_pim_data_rows(R);
  uint32_t x = dl_pim_x(w), y = dl_pim_y(w), z = dl_pim_z(w), top = (uint32_t)R + DL_PIM_NDCC;
  DlPimOp op = dl_pim_op(w);
  char why[160];
#define BAD(...)                                                                                   \
  do {                                                                                             \
    snprintf(why, sizeof why, __VA_ARGS__);                                                        \
    return dl_error_set(e, "command %lld (kernel of step %d): %s", (long long)i, k->step, why);    \
  } while (0)
  switch (op) {
  case DL_PIM_AAP:
    if (x >= top || y >= top || (z != 0xFFFF && z >= top)) BAD("aap row out of range (the subarray has %d rows)", R);
    if (y == (uint32_t)dl_pim_c0(R) || y == (uint32_t)dl_pim_c1(R) || z == (uint32_t)dl_pim_c0(R) ||
        z == (uint32_t)dl_pim_c1(R))
      BAD("aap writes a constant row");
    break;
  case DL_PIM_AP:
    if (!compute_row(R, x) || !compute_row(R, y) || !compute_row(R, z)) BAD("ap needs three compute rows");
    if (cell(R, x) == cell(R, y) || cell(R, x) == cell(R, z) || cell(R, y) == cell(R, z)) BAD("ap rows must be distinct");
    break;
  case DL_PIM_LOAD:
    if (!*in_block) BAD("load before any block");
    if (z >= (uint32_t)k->nops || x >= (uint64_t)k->ntaps) BAD("load of tap %u of operand %u: out of range", x, z);
    if (y + (uint32_t)k->in_bits[z] > (uint32_t)data) BAD("load into rows %u.. past the data rows", y);
    break;
  case DL_PIM_STORE:
    if (!*in_block) BAD("store before any block");
    if (x >= (uint64_t)k->block) BAD("store of channel %u of a block of %lld", x, (long long)k->block);
    if (y + (uint32_t)k->out_bits > (uint32_t)data) BAD("store from rows %u.. past the data rows", y);
    break;
  case DL_PIM_BLOCK:
    if ((int64_t)x * k->block >= k->nch) BAD("block %u out of range", x);
    *in_block = true;
    break;
  default: BAD("unknown opcode %u", (unsigned)op);
  }
#undef BAD
  return true;
}

bool dl_pim_parse(const void *buf, size_t len, DlPimProgram *p, DlError *e) {
  memset(p, 0, sizeof *p);
  DlReader r;
  if (!dl_container_open(&dl_pimbin, buf, len, 4 + 8 + 8, &r, e)) return false;
  uint32_t nk = dl_read_u32(&r);
  uint64_t ncmd = dl_read_u64(&r), mlen = dl_read_u64(&r);
  len = r.len;
  size_t need = 32 + DEV_BYTES;
  if (nk > 1u << 20 || ncmd > (uint64_t)1 << 36 || mlen > (uint64_t)1 << 40 ||
      len != need + (size_t)nk * KERNEL_BYTES + (size_t)ncmd * 8 + (size_t)mlen)
    return dl_error_set(e, "truncated or extended: %zu bytes, the header describes %llu kernels, %llu commands and %llu bytes of MLIR",
                        len, (unsigned long long)nk, (unsigned long long)ncmd, (unsigned long long)mlen);
  DlPimDevice *d = &p->dev;
  memcpy(d->name, dl_read_bytes(&r, 64), 63);
  uint32_t geo[5];
  for (int i = 0; i < 5; i++) geo[i] = dl_read_u32(&r);
  double *f[9] = {&d->t_aap, &d->t_ap, &d->t_faw, &d->bus_gbs, &d->e_aap, &d->e_ap, &d->e_bus_bit, &d->host_ns_op,
                  &d->host_pj_op};
  for (int i = 0; i < 9; i++) {
    *f[i] = dl_read_f64(&r);
    if (!(*f[i] >= 0 && *f[i] <= 1e9)) return dl_error_set(e, "device parameter %d out of range", i);
  }
  if (geo[0] < 1 || geo[0] > 64 || geo[1] < 1 || geo[1] > 256 || geo[2] < 1 || geo[2] > 4096 || geo[3] < 64 ||
      geo[3] > 65528 || geo[4] < 64 || geo[4] > 1u << 20 || geo[4] % 64 || d->bus_gbs <= 0)
    return dl_error_set(e, "device geometry out of range");
  d->channels = (int)geo[0], d->banks = (int)geo[1], d->subarrays = (int)geo[2], d->rows = (int)geo[3], d->cols = (int)geo[4];
  p->nk = (int)nk;
  p->k = calloc(nk + 1, sizeof(DlPimKernel));
  int64_t next = 0;
  for (uint32_t i = 0; i < nk; i++) {
    DlPimKernel *k = &p->k[i];
    int32_t h[6];
    for (int j = 0; j < 6; j++) h[j] = (int32_t)dl_read_u32(&r);
    int64_t v[17];
    for (int j = 0; j < 17; j++) v[j] = (int64_t)dl_read_u64(&r);
    k->step = h[0], k->kind = (DlPimKernelKind)h[1], k->nops = h[2], k->in_bits[0] = h[3], k->in_bits[1] = h[4];
    k->out_bits = h[5];
    k->in_off[0] = v[0], k->in_off[1] = v[1], k->pad = v[2], k->out_off = v[3], k->nch = v[4], k->ntaps = v[5];
    k->lanes = v[6], k->block = v[7], k->cmd0 = v[8], k->ncmd = v[9], k->naap = v[10], k->nap = v[11];
    k->nload = v[12], k->nstore = v[13], k->macs = v[14];
    bool ok = (k->kind == DL_PIM_K_MAC || k->kind == DL_PIM_K_MAX) && k->nops >= 1 && k->nops <= 2 && k->step >= 0 &&
              k->out_bits >= 1 && k->out_bits <= 16 && k->nch >= 1 && k->nch < 1 << 24 && k->ntaps >= 1 &&
              k->ntaps < 1 << 24 && k->lanes >= 1 && k->lanes < (int64_t)1 << 40 && k->block >= 1 &&
              k->block <= k->nch && k->cmd0 == next && k->ncmd >= 0 && k->ncmd <= (int64_t)ncmd - next;
    for (int j = 0; ok && j < k->nops; j++) ok = k->in_bits[j] >= 1 && k->in_bits[j] <= 16;
    if (!ok) {
      dl_pim_program_free(p);
      return dl_error_set(e, "kernel %u: a field is out of range", i);
    }
    next += k->ncmd;
  }
  if (next != (int64_t)ncmd) {
    dl_pim_program_free(p);
    return dl_error_set(e, "the kernels cover %lld of %llu commands", (long long)next, (unsigned long long)ncmd);
  }
  p->ncmd = (int64_t)ncmd;
  p->cmd = malloc(sizeof(uint64_t) * (size_t)(ncmd + 1));
  for (uint64_t i = 0; i < ncmd; i++) p->cmd[i] = dl_read_u64(&r);
  p->mlir_len = (size_t)mlen;
  p->mlir = malloc((size_t)mlen + 1);
  memcpy(p->mlir, dl_read_bytes(&r, (size_t)mlen), (size_t)mlen);
  p->mlir[mlen] = 0;
  for (int i = 0; i < p->nk; i++) {
    bool in_block = false;
    const DlPimKernel *k = &p->k[i];
    for (int64_t c = k->cmd0; c < k->cmd0 + k->ncmd; c++)
      if (!check_cmd(p, k, c, &in_block, e)) {
        dl_pim_program_free(p);
        return false;
      }
  }
  return true;
}

static bool parse(const void *buf, size_t len, void *p, DlError *e) { return dl_pim_parse(buf, len, p, e); }

bool dl_pim_read(const char *path, DlPimProgram *p, DlError *e) { return dl_container_load(path, parse, p, e); }

bool dl_pim_check_plan(const DlPimProgram *p, DlPlan *plan, DlError *e) {
  int prev = -1;
  for (int i = 0; i < p->nk; i++) {
    const DlPimKernel *k = &p->k[i];
    DlPimKernel want;
    if (k->step <= prev || k->step >= plan->nsteps || !dl_pim_kernel_of_step(plan, k->step, &want))
      return dl_error_set(e, "kernel %d names step %d, which is not a PIM step of the embedded model", i, k->step);
    prev = k->step;
    if (plan->steps[k->step].q->lossy.k > 0)
      return dl_error_set(e, "kernel %d: step %d (%s) is K-lossy (dlc.compress), which the pim target does not implement", i,
                          k->step, plan->steps[k->step].where);
    bool same = want.kind == k->kind && want.nops == k->nops && want.out_bits == k->out_bits &&
                want.out_off == k->out_off && want.nch == k->nch && want.ntaps == k->ntaps && want.lanes == k->lanes &&
                want.pad == k->pad;
    for (int j = 0; j < k->nops; j++) same = same && want.in_bits[j] == k->in_bits[j] && want.in_off[j] == k->in_off[j];
    if (!same) return dl_error_set(e, "kernel %d does not match step %d (%s) of the embedded model", i, k->step, plan->steps[k->step].where);
    if (k->kind == DL_PIM_K_MAC && plan->steps[k->step].q->kind == DL_Q_CONV) {
      int64_t per_group = k->nch / plan->steps[k->step].q->c.win.group;
      if (per_group % k->block) return dl_error_set(e, "kernel %d: blocks straddle convolution groups", i);
    }
  }
  return true;
}

void dl_pim_print(FILE *f, const DlPimProgram *p, DlPlan *plan, bool cmds) {
  const DlPimDevice *d = &p->dev;
  fprintf(f, "device %s: %d channels x %d banks x %d subarrays, %d rows x %d bitlines\n", d->name, d->channels,
          d->banks, d->subarrays, d->rows, d->cols);
  for (int i = 0; i < p->nk; i++) {
    const DlPimKernel *k = &p->k[i];
    fprintf(f, "kernel %d: step %d %s (%s): lanes %lld, channels %lld in blocks of %lld, taps %lld, in %d bits, out %d bits: "
               "%lld commands (%lld aap, %lld ap, %lld load, %lld store)\n",
            i, k->step, k->kind == DL_PIM_K_MAC ? "mac" : "max", plan ? plan->steps[k->step].where : "?",
            (long long)k->lanes, (long long)k->nch, (long long)k->block, (long long)k->ntaps, k->in_bits[0], k->out_bits,
            (long long)k->ncmd, (long long)k->naap, (long long)k->nap, (long long)k->nload, (long long)k->nstore);
    for (int64_t c = k->cmd0; cmds && c < k->cmd0 + k->ncmd; c++) {
      uint64_t w = p->cmd[c];
      fprintf(f, "  %s %u %u %u\n", dl_pim_op_name(dl_pim_op(w)), dl_pim_x(w), dl_pim_y(w), dl_pim_z(w));
    }
  }
}
