/* The .accbin file: a little-endian header, the device, the layer table,
 * the instructions, the weight segment (packed weights, dense or as nonzero
 * blocks behind a bitmap), the outlier
 * list, the parameter segment and the quantized module's MLIR text
 * (docs/acc-isa.md), sealed by a CRC-32 of all of it (version 3). The reader
 * checks the checksum, then every field and instruction. */
#include <stdlib.h>
#include <string.h>

#include "acc_internal.h"
#include "../simulated.h"
#include "dlc/support.h"

const DlContainer dl_accbin = {{'D', 'L', 'C', 'A', 'C', 'C', '\r', '\n'}, 3, "an .accbin", ".accbin"};
enum { DEV_INTS = 13, DEV_DOUBLES = 9, LAYER_WORDS = 19 };

const char *dl_acc_op_name(DlAccOp op) {
  static const char *names[] = {"invalid", DL_ACC_OPS(DL_X_NAME)};
  return op < DL_ACC_NOPS ? names[op] : "invalid";
}

/* A codebook layer's entries per output channel: its bytes after the indices, over N (0 if they do not divide). */
static int64_t codebook_len(const DlAccLayer *l) {
  int64_t b = l->wbytes - (l->N * l->K * l->wbits + 7) / 8;
  return b > 0 && b % l->N == 0 ? b / l->N : 0;
}

static void dev_ints(const DlAccDevice *d, int64_t *v) {
  int64_t x[DEV_INTS] = {d->pe_rows, d->pe_cols,       d->pe_k,      d->pack4, d->pack2, d->requant_mult, d->outlier_lanes,
                         d->outlier_bits, d->alu_lanes, d->ibuf, d->wbuf,  d->abuf,  d->obuf};
  memcpy(v, x, sizeof x);
}

bool dl_acc_write(const char *path, const DlAccProgram *p, DlError *e) {
  DlBuf b = {0};
  dl_container_begin(&b, &dl_accbin);
  dl_buf_put_u32(&b, (uint32_t)p->nl);
  uint64_t counts[5] = {(uint64_t)p->ninsn, (uint64_t)p->wseg_len, (uint64_t)p->nout, (uint64_t)p->npar, p->mlir_len};
  for (int i = 0; i < 5; i++) dl_buf_put_u64(&b, counts[i]);
  char name[64] = {0};
  snprintf(name, sizeof name, "%s", p->dev.name);
  dl_buf_append(&b, name, 64);
  int64_t di[DEV_INTS];
  dev_ints(&p->dev, di);
  for (int i = 0; i < DEV_INTS; i++) dl_buf_put_u64(&b, (uint64_t)di[i]);
  const DlAccDevice *d = &p->dev;
  double f[DEV_DOUBLES] = {d->ghz, d->dram_gbs, d->dram_ns, d->e_mac, d->e_buf, d->e_dram, d->e_alu, d->host_ns_op, d->host_pj_op};
  for (int i = 0; i < DEV_DOUBLES; i++) dl_buf_put_f64(&b, f[i]);
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    int64_t v[LAYER_WORDS] = {l->step, l->kind, l->M, l->N, l->K, l->mt, l->nt, l->kt,
                              l->order, l->wbits, l->noutliers, l->woff, l->wbytes, l->ooff, l->poff, l->dram_lb,
                              l->pg, l->wformat, l->zblocks};
    for (int j = 0; j < LAYER_WORDS; j++) dl_buf_put_u64(&b, (uint64_t)v[j]);
    dl_buf_put_u64(&b, (uint64_t)l->icmd);
    dl_buf_put_u64(&b, (uint64_t)l->ncmd);
  }
  for (int64_t i = 0; i < p->ninsn; i++)
    for (int j = 0; j < 4; j++) dl_buf_put_u64(&b, p->insn[i].w[j]);
  dl_buf_append(&b, (const char *)p->wseg, (size_t)p->wseg_len);
  for (int64_t i = 0; i < p->nout; i++) {
    dl_buf_put_u32(&b, p->out[i].k);
    dl_buf_put_u32(&b, p->out[i].n);
    dl_buf_put_u32(&b, (uint32_t)p->out[i].v);
  }
  for (int64_t i = 0; i < p->npar; i++) dl_buf_put_u64(&b, (uint64_t)p->par[i]);
  dl_buf_append(&b, p->mlir, p->mlir_len);
  return dl_container_write(path, &b, e);
}

/* Every instruction's fields against its layer. */
static bool check_insn(const DlAccProgram *p, int64_t i, const DlAccLayer *l, DlError *e) {
  const DlAccInsn *in = &p->insn[i];
  DlAccOp op = dl_acc_op(in);
  char why[160] = "";
  uint32_t a0 = dl_acc_lo(in->w[1]), a1 = dl_acc_hi(in->w[1]), b0 = dl_acc_lo(in->w[2]), b1 = dl_acc_hi(in->w[2]);
  uint32_t c0 = dl_acc_lo(in->w[3]), c1 = dl_acc_hi(in->w[3]);
  for (int k = 0; k < 2; k++)
    if (dl_acc_dep(in, k) > i) snprintf(why, sizeof why, "depends on an instruction before the first");
  if (op <= DL_ACC_INVALID || op >= DL_ACC_NOPS) snprintf(why, sizeof why, "unknown opcode %u", (unsigned)op);
  else if (op == DL_ACC_LOAD_X || op == DL_ACC_LOAD_W || op == DL_ACC_GEMM || op == DL_ACC_REQ || op == DL_ACC_ALU ||
           op == DL_ACC_STORE) {
    if (!l) snprintf(why, sizeof why, "%s outside a layer", dl_acc_op_name(op));
    else if (op != DL_ACC_LOAD_W && (a0 >= a1 || a1 > l->M || a1 - a0 > l->mt))
      snprintf(why, sizeof why, "rows %u..%u out of range", a0, a1);
    else if (b0 >= b1 || b1 > l->N || b1 - b0 > l->nt) snprintf(why, sizeof why, "channels %u..%u out of range", b0, b1);
    else if ((op == DL_ACC_LOAD_X || op == DL_ACC_LOAD_W || op == DL_ACC_GEMM || op == DL_ACC_ALU) &&
             (c0 >= c1 || c1 > l->K || c1 - c0 > l->kt))
      snprintf(why, sizeof why, "columns %u..%u out of range", c0, c1);
    else if (l->kind != DL_ACC_L_CONV && l->kind != DL_ACC_L_MATMUL && (op == DL_ACC_LOAD_W || op == DL_ACC_GEMM || op == DL_ACC_REQ))
      snprintf(why, sizeof why, "%s in an ALU layer", dl_acc_op_name(op));
    else if ((l->kind == DL_ACC_L_CONV || l->kind == DL_ACC_L_MATMUL) && op == DL_ACC_ALU)
      snprintf(why, sizeof why, "alu in a GEMM layer");
    else if ((op == DL_ACC_LOAD_W || op == DL_ACC_GEMM) && b0 / l->pg != (b1 - 1) / l->pg)
      snprintf(why, sizeof why, "channels %u..%u straddle convolution groups", b0, b1);
    else if ((op == DL_ACC_LOAD_W || op == DL_ACC_GEMM) && l->wformat == DL_ACC_W_BLOCKS) {
      DlAccGrid g;
      dl_acc_grid(&p->dev, l, &g);
      if (!dl_acc_tile_aligned(&g, l, b0, b1, c0, c1))
        snprintf(why, sizeof why, "tile n %u..%u k %u..%u is not made of whole weight blocks", b0, b1, c0, c1);
    }
  }
  if (!why[0]) return true;
  return dl_error_set(e, "instruction %lld: %s", (long long)i, why);
}

bool dl_acc_parse(const void *buf, size_t len, DlAccProgram *p, DlError *e) {
  memset(p, 0, sizeof *p);
  DlReader r;
  if (!dl_container_open(&dl_accbin, buf, len, 4 + 5 * 8, &r, e)) return false;
  uint32_t nl = dl_read_u32(&r);
  uint64_t c[5];
  for (int i = 0; i < 5; i++) c[i] = dl_read_u64(&r);
  len = r.len;
  size_t fixed = 8 + 8 + 40 + 64 + 8 * (DEV_INTS + DEV_DOUBLES);
  if (nl > 1u << 16 || c[0] > 1u << 28 || c[1] > 1ull << 32 || c[2] > 1ull << 32 || c[3] > 1ull << 32 || c[4] > 1ull << 40 ||
      len != fixed + (size_t)nl * 8 * (LAYER_WORDS + 2) + c[0] * 32 + c[1] + c[2] * 12 + c[3] * 8 + c[4])
    return dl_error_set(e, "truncated or extended: %zu bytes, the header describes %u layers, %llu instructions, "
                           "%llu weight bytes, %llu outliers, %llu parameters and %llu bytes of MLIR",
                        len, nl, (unsigned long long)c[0], (unsigned long long)c[1], (unsigned long long)c[2],
                        (unsigned long long)c[3], (unsigned long long)c[4]);
  DlAccDevice *d = &p->dev;
  memcpy(d->name, dl_read_bytes(&r, 64), 63);
  int64_t di[DEV_INTS];
  for (int i = 0; i < DEV_INTS; i++) di[i] = (int64_t)dl_read_u64(&r);
  d->pe_rows = (int)di[0], d->pe_cols = (int)di[1], d->pe_k = (int)di[2], d->pack4 = (int)di[3], d->pack2 = (int)di[4];
  d->requant_mult = (int)di[5], d->outlier_lanes = (int)di[6], d->outlier_bits = (int)di[7], d->alu_lanes = (int)di[8];
  d->ibuf = di[9], d->wbuf = di[10], d->abuf = di[11], d->obuf = di[12];
  double *f[DEV_DOUBLES] = {&d->ghz, &d->dram_gbs, &d->dram_ns, &d->e_mac, &d->e_buf, &d->e_dram, &d->e_alu, &d->host_ns_op, &d->host_pj_op};
  for (int i = 0; i < DEV_DOUBLES; i++) *f[i] = dl_read_f64(&r);
  bool devok = di[0] >= 1 && di[0] <= 4096 && di[1] >= 1 && di[1] <= 4096 && di[2] >= 1 && di[2] <= 4096 && di[3] >= 0 &&
               di[3] <= 8 && di[4] >= 0 && di[4] <= 16 && di[6] >= 0 && di[6] <= 4096 && di[7] >= 2 && di[7] <= 16 && di[8] >= 1 && di[8] <= 65536 &&
               di[9] >= 64 && di[9] <= 1 << 30 && di[10] >= 64 && di[10] <= 1 << 30 && di[11] >= 64 && di[11] <= 1 << 30 &&
               di[12] >= 64 && di[12] <= 1 << 30 && d->ghz > 0 && d->ghz <= 100 && d->dram_gbs > 0 && d->dram_gbs < 1e6;
  for (int i = 0; i < DEV_DOUBLES; i++) devok = devok && *f[i] >= 0 && *f[i] < 1e9;
  if (!devok) return dl_error_set(e, "device parameters out of range");
  p->nl = (int)nl;
  p->l = calloc(nl + 1, sizeof(DlAccLayer));
  p->ninsn = (int64_t)c[0], p->wseg_len = (int64_t)c[1], p->nout = (int64_t)c[2], p->npar = (int64_t)c[3];
  for (uint32_t i = 0; i < nl; i++) {
    int64_t v[LAYER_WORDS + 2];
    for (int j = 0; j < LAYER_WORDS + 2; j++) v[j] = (int64_t)dl_read_u64(&r);
    DlAccLayer *l = &p->l[i];
    l->step = (int)v[0], l->kind = (DlAccLayerKind)v[1], l->M = v[2], l->N = v[3], l->K = v[4], l->mt = v[5], l->nt = v[6];
    l->kt = v[7], l->order = (int)v[8], l->wbits = (int)v[9], l->noutliers = v[10], l->woff = v[11], l->wbytes = v[12];
    l->ooff = v[13], l->poff = v[14], l->dram_lb = v[15], l->pg = v[16], l->wformat = (DlAccWeightFormat)v[17];
    l->zblocks = v[18], l->icmd = v[19], l->ncmd = v[20];
    bool gemm = l->kind == DL_ACC_L_CONV || l->kind == DL_ACC_L_MATMUL;
    bool ok = v[0] >= 0 && v[0] < 1 << 24 && v[1] >= 0 && v[1] <= DL_ACC_L_GATHER && l->M >= 1 && l->M < 1ll << 32 &&
              l->N >= 1 && l->N < 1 << 24 && l->K >= 1 && l->K < 1 << 24 && l->mt >= 1 && l->mt <= l->M && l->nt >= 1 &&
              l->nt <= l->N && l->kt >= 1 && l->kt <= l->K && (l->order == 0 || l->order == 1) && l->icmd >= 0 &&
              l->ncmd >= 1 && l->icmd <= p->ninsn - l->ncmd && l->poff >= 0 && l->pg >= 1 && l->pg <= l->N &&
              l->N % l->pg == 0 && (l->wformat == DL_ACC_W_DENSE || l->wformat == DL_ACC_W_BLOCKS || l->wformat == DL_ACC_W_CODEBOOK) &&
              l->zblocks >= 0;
    if (ok) { /* N is in range now */
      int64_t npar = gemm ? 3 * l->N : l->kind == DL_ACC_L_ADD ? 3 : l->kind == DL_ACC_L_MUL ? 2 : l->kind == DL_ACC_L_LUT ? 1 : 0;
      ok = l->poff <= p->npar - npar;
    }
    if (ok && gemm) {
      DlAccGrid g;
      dl_acc_grid(d, l, &g);
      ok = (l->wbits == 2 || l->wbits == 4 || l->wbits == 8 || l->wbits == 16) && l->woff >= 0 && l->wbytes >= 0 &&
           l->woff <= p->wseg_len - l->wbytes && l->woff % 4 == 0 && l->noutliers >= 0 && l->ooff >= 0 &&
           l->ooff <= p->nout - l->noutliers && l->zblocks <= g.n && l->nt <= l->pg &&
           (l->wformat == DL_ACC_W_BLOCKS ? l->wbytes >= dl_acc_bitmap_bytes(&g)
            : l->wformat == DL_ACC_W_CODEBOOK
                ? l->wbits <= 8 && l->noutliers == 0 && l->zblocks == 0 && codebook_len(l) >= 4 &&
                      codebook_len(l) <= 128 && codebook_len(l) <= 1 << l->wbits && (codebook_len(l) & (codebook_len(l) - 1)) == 0
                : l->wbytes == (l->N * l->K * l->wbits + 7) / 8);
    }
    if (ok && !gemm) ok = l->noutliers == 0 && l->wformat == DL_ACC_W_DENSE && l->zblocks == 0; /* ALU layers have no weights */
    if (!ok) {
      dl_acc_program_free(p);
      return dl_error_set(e, "layer %u: a field is out of range", i);
    }
  }
  p->insn = malloc(sizeof(DlAccInsn) * (size_t)(p->ninsn + 1));
  for (int64_t i = 0; i < p->ninsn; i++)
    for (int j = 0; j < 4; j++) p->insn[i].w[j] = dl_read_u64(&r);
  p->wseg = calloc((size_t)p->wseg_len + 1, 1); /* a spare zero byte: qrt_wget reads two bytes of a bit stream */
  memcpy(p->wseg, dl_read_bytes(&r, (size_t)p->wseg_len), (size_t)p->wseg_len);
  /* a codebook layer's indices all lie within its codebook */
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    int64_t L = codebook_len(l);
    for (int64_t j = 0; l->wformat == DL_ACC_W_CODEBOOK && j < l->N * l->K; j++)
      if ((qrt_wget((qrt_wts){p->wseg + l->woff, l->wbits, 0, NULL}, j) & ((1 << l->wbits) - 1)) >= L) {
        dl_acc_program_free(p);
        return dl_error_set(e, "layer %d: weight index %lld lies beyond its codebook of %lld", i, (long long)j, (long long)L);
      }
  }
  /* the block format: the bitmap's blocks fill the layer's bytes exactly, and it counts the zero blocks the header says */
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    if (l->wformat != DL_ACC_W_BLOCKS) continue;
    DlAccGrid g;
    dl_acc_grid(d, l, &g);
    int64_t total, zero;
    free(dl_acc_block_offsets(&g, l, p->wseg + l->woff, &total, &zero));
    if (total != l->wbytes || zero != l->zblocks) {
      long long says_zero = l->zblocks, says_bytes = l->wbytes; /* l is freed with p */
      dl_acc_program_free(p);
      return dl_error_set(e, "layer %d: its weight bitmap marks %lld zero blocks and %lld bytes, the layer says %lld and %lld", i,
                          (long long)zero, (long long)total, says_zero, says_bytes);
    }
  }
  p->out = malloc(sizeof(DlAccOutlier) * (size_t)(p->nout + 1));
  for (int64_t i = 0; i < p->nout; i++) {
    p->out[i].k = dl_read_u32(&r), p->out[i].n = dl_read_u32(&r), p->out[i].v = (int32_t)dl_read_u32(&r);
  }
  p->par = malloc(sizeof(int64_t) * (size_t)(p->npar + 1));
  for (int64_t i = 0; i < p->npar; i++) p->par[i] = (int64_t)dl_read_u64(&r);
  p->mlir_len = (size_t)c[4];
  p->mlir = malloc(p->mlir_len + 1);
  memcpy(p->mlir, dl_read_bytes(&r, p->mlir_len), p->mlir_len);
  p->mlir[p->mlir_len] = 0;
  /* outliers: inside their layer's matrix, sorted by (n, k), never where the dense weight is nonzero */
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    for (int64_t o = l->ooff; o < l->ooff + l->noutliers; o++) {
      const DlAccOutlier *x = &p->out[o];
      bool ok = x->k < l->K && x->n < l->N;
      if (ok && o > l->ooff) ok = x->n > p->out[o - 1].n || (x->n == p->out[o - 1].n && x->k > p->out[o - 1].k);
      if (!ok) {
        long long at = (long long)(o - l->ooff);
        dl_acc_program_free(p);
        return dl_error_set(e, "layer %d: outlier %lld out of range or out of order", i, at);
      }
    }
  }
  /* instructions: each inside its layer's range is checked against the layer */
  for (int64_t i = 0, li = 0; i < p->ninsn; i++) {
    while (li < p->nl && i >= p->l[li].icmd + p->l[li].ncmd) li++;
    const DlAccLayer *l = li < p->nl && i >= p->l[li].icmd ? &p->l[li] : NULL;
    if (!check_insn(p, i, l, e)) {
      dl_acc_program_free(p);
      return false;
    }
  }
  if (!p->ninsn || dl_acc_op(&p->insn[p->ninsn - 1]) != DL_ACC_FINISH) {
    dl_acc_program_free(p);
    return dl_error_set(e, "the instructions do not end with finish");
  }
  return true;
}

static bool parse(const void *buf, size_t len, void *p, DlError *e) { return dl_acc_parse(buf, len, p, e); }

bool dl_acc_read(const char *path, DlAccProgram *p, DlError *e) { return dl_container_load(path, parse, p, e); }

const char *dl_acc_layer_kind_name(DlAccLayerKind k) {
  static const char *n[] = {"conv", "matmul", "add", "maxpool", "lut", "mul", "gather"};
  return k >= 0 && k < (int)(sizeof n / sizeof *n) ? n[k] : "?";
}

void dl_acc_print(FILE *f, const DlAccProgram *p, DlPlan *plan, bool insns) {
  const DlAccDevice *d = &p->dev;
  fprintf(f, "device %s: %d x %d x %d PEs at %.3g GHz, buffers %lld / %lld / %lld / %lld bytes, DRAM %.3g GB/s\n", d->name,
          d->pe_rows, d->pe_cols, d->pe_k, d->ghz, (long long)d->ibuf, (long long)d->wbuf, (long long)d->abuf,
          (long long)d->obuf, d->dram_gbs);
  for (int i = 0; i < p->nl; i++) {
    const DlAccLayer *l = &p->l[i];
    fprintf(f, "layer %d: step %d %s (%s): M %lld N %lld K %lld, tiles %lld x %lld x %lld, %s outer, weights %d bits + %lld outliers, "
               "%lld instructions",
            i, l->step, dl_acc_layer_kind_name(l->kind), plan ? plan->steps[l->step].where : "?", (long long)l->M, (long long)l->N,
            (long long)l->K, (long long)l->mt, (long long)l->nt, (long long)l->kt, l->order ? "m" : "n", l->wbits,
            (long long)l->noutliers, (long long)l->ncmd);
    if (l->wbits) {
      DlAccGrid g;
      dl_acc_grid(d, l, &g);
      fprintf(f, ", %s weights: %lld blocks of %lld x %lld, %lld zero", l->wformat == DL_ACC_W_BLOCKS ? "block" : l->wformat == DL_ACC_W_CODEBOOK ? "codebook" : "dense",
              (long long)g.n, (long long)g.bn, (long long)g.bk, (long long)l->zblocks);
      if (l->wformat == DL_ACC_W_BLOCKS) fprintf(f, " (skipped), %lld bytes", (long long)l->wbytes);
      if (l->wformat == DL_ACC_W_CODEBOOK) fprintf(f, ", indices into a codebook of %lld per channel", (long long)codebook_len(l));
    }
    fputc('\n', f);
    for (int64_t c = l->icmd; insns && c < l->icmd + l->ncmd; c++) {
      const DlAccInsn *in = &p->insn[c];
      if (dl_acc_op(in) == DL_ACC_CFG) {
        unsigned bits = dl_acc_hi(in->w[3]);
        fprintf(f, "  cfg zx %d zb %d zo %d lo %d hi %d xbits %u wbits %u obits %u shift-only %u\n", (int32_t)dl_acc_lo(in->w[1]),
                (int32_t)dl_acc_hi(in->w[1]), (int32_t)dl_acc_lo(in->w[2]), (int32_t)dl_acc_hi(in->w[2]),
                (int32_t)dl_acc_lo(in->w[3]), bits & 0xFF, bits >> 8 & 0xFF, bits >> 16 & 0xFF, bits >> 24 & 0xFF);
        continue;
      }
      fprintf(f, "  %s slots %u deps %u %u m %u..%u n %u..%u k %u..%u\n", dl_acc_op_name(dl_acc_op(in)), dl_acc_slots(in),
              dl_acc_dep(in, 0), dl_acc_dep(in, 1), dl_acc_lo(in->w[1]), dl_acc_hi(in->w[1]), dl_acc_lo(in->w[2]),
              dl_acc_hi(in->w[2]), dl_acc_lo(in->w[3]), dl_acc_hi(in->w[3]));
    }
  }
}
