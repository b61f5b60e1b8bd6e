/* dlc-fuzz-sim: deterministic fuzzing of the .pimbin and .accbin readers and
 * their simulators.
 *   dlc-fuzz-sim [--seed S] [--count N] FILE.pimbin|FILE.accbin INPUT.npy
 * Each input is a mutation of FILE (bit flips, byte writes, word
 * overwrites, truncation; mostly in the header, tables and instructions),
 * most of them resealed with a valid checksum so the field checks see them. A
 * mutant the reader accepts is then checked against its embedded model and,
 * if it passes, simulated on the first sample of INPUT: nothing may crash or
 * read out of bounds (run it under ASan).
 *   dlc-fuzz-sim --flip-bits [--samples N] FILE.pimbin|FILE.accbin
 * Flips every bit of the header region (the fixed header, the device, the
 * layer or kernel table: everything before the first instruction or
 * command) and of the checksum, and N sampled bits (default 4096) of the
 * rest, one at a time, with no reseal: the reader must refuse each one with
 * a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/acc.h"
#include "dlc/npy.h"
#include "dlc/pim.h"
#include "dlc/support.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return rng_state;
}

/* Bytes before the first instruction (acc) or command (pim) of a program read from len bytes. */
static size_t header_bytes(bool acc, const DlAccProgram *ap, const DlPimProgram *pp, size_t len) {
  size_t rest = acc ? (size_t)ap->ninsn * 32 + (size_t)ap->wseg_len + (size_t)ap->nout * 12 + (size_t)ap->npar * 8 + ap->mlir_len
                    : (size_t)pp->ncmd * 8 + pp->mlir_len;
  return len - 4 - rest;
}

/* Whether the reader refuses buf with a message; counts the messages' kinds. */
static bool refused(bool acc, const unsigned char *buf, size_t len, long kinds[4]) {
  DlError e = {0};
  DlPimProgram pp = {0};
  DlAccProgram ap = {0};
  bool ok = acc ? dl_acc_parse(buf, len, &ap, &e) : dl_pim_parse(buf, len, &pp, &e);
  dl_pim_program_free(&pp);
  dl_acc_program_free(&ap);
  if (ok || !e.msg || !e.msg[0]) return dl_error_clear(&e), false;
  kinds[strstr(e.msg, "checksum mismatch") ? 0 : strstr(e.msg, "wrong magic") ? 1 : strstr(e.msg, "version") ? 2 : 3]++;
  dl_error_clear(&e);
  return true;
}

static int flip_bits(const char *file, bool acc, long samples) {
  DlError e = {0};
  char *orig;
  size_t len;
  DlPimProgram pp = {0};
  DlAccProgram ap = {0};
  if (!dl_read_file(file, &orig, &len, &e) || (acc ? !dl_acc_parse(orig, len, &ap, &e) : !dl_pim_parse(orig, len, &pp, &e)))
    return fprintf(stderr, "%s: %s\n", file, e.msg), 1;
  size_t head = header_bytes(acc, &ap, &pp, len);
  dl_pim_program_free(&pp);
  dl_acc_program_free(&ap);
  unsigned char *m = (unsigned char *)orig;
  long kinds[4] = {0}, tried = 0, accepted = 0;
  rng_state = 0x9E3779B97F4A7C15ull;
  for (long i = 0, nh = (long)head * 8; i < nh + 32 + samples; i++) {
    size_t bit = i < nh ? (size_t)i : i < nh + 32 ? (len - 4) * 8 + (size_t)(i - nh)
                                                  : head * 8 + (size_t)(rnd() % ((len - 4 - head) * 8));
    m[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    tried++;
    if (!refused(acc, m, len, kinds)) {
      accepted++;
      fprintf(stderr, "flip-bits: %s: bit %zu of byte %zu flipped and not refused\n", file, bit % 8, bit / 8);
    }
    m[bit / 8] ^= (unsigned char)(1u << (bit % 8));
  }
  printf("flip-bits: %s: %zu header bytes (every bit), the checksum (every bit), %ld sampled bits of %zu more bytes: "
         "%ld flips, %ld refused (checksum %ld, magic %ld, version %ld, other %ld), %ld not refused\n",
         file, head, samples, len - 4 - head, tried, tried - accepted, kinds[0], kinds[1], kinds[2], kinds[3], accepted);
  free(orig);
  return accepted ? 1 : 0;
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  long count = 1000;
  long samples = 4096;
  bool flip = false;
  const char *file = NULL, *input = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--flip-bits")) flip = true;
    else if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--count") && i + 1 < argc) count = strtol(argv[++i], NULL, 10);
    else if (!file) file = argv[i];
    else input = argv[i];
  }
  size_t fl = file ? strlen(file) : 0;
  bool acc = fl > 7 && !strcmp(file + fl - 7, ".accbin");
  if (flip && file) return flip_bits(file, acc, samples);
  if (!file || !input)
    return fprintf(stderr, "usage: dlc-fuzz-sim [--seed S] [--count N] FILE.pimbin|FILE.accbin INPUT.npy\n"
                           "       dlc-fuzz-sim --flip-bits [--samples N] FILE.pimbin|FILE.accbin\n"),
           1;
  DlError e = {0};
  char *orig;
  size_t len;
  DlTensor x = {0};
  if (!dl_read_file(file, &orig, &len, &e) || !dl_npy_read(input, &x, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) return fprintf(stderr, "%s\n", e.msg), 1;
  rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
  long parsed = 0, checked = 0, ran = 0, rejected = 0;
  size_t body = len > 4096 ? len - 3000 : len; /* mutate mostly before the MLIR text */
  unsigned char *m = malloc(len + 16);
  for (long it = 0; it < count; it++) {
    memcpy(m, orig, len);
    size_t n = len;
    int edits = 1 + (int)(rnd() % 4);
    for (int k = 0; k < edits; k++) {
      size_t at = (size_t)(rnd() % (k == 0 && rnd() % 4 == 0 ? 200 : body));
      switch (rnd() % 5) {
      case 0: m[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
      case 1: m[at] = (unsigned char)rnd(); break;
      case 2: /* a whole command-sized word */
        for (int b = 0; b < 8 && at + (size_t)b < n; b++) m[at + (size_t)b] = (unsigned char)rnd();
        break;
      case 3: n = (size_t)(rnd() % (n + 1)); break;
      default: m[at] = (unsigned char)(m[at] + 1); break;
      }
    }
    if (n >= 4 && rnd() % 8) { /* most mutants resealed, so they reach the field checks past the checksum */
      uint32_t c = dl_crc32(0, m, n - 4);
      for (int b = 0; b < 4; b++) m[n - 4 + (size_t)b] = (unsigned char)(c >> (8 * b));
    }
    DlPimProgram pp = {0};
    DlAccProgram ap = {0};
    if (acc ? !dl_acc_parse(m, n, &ap, &e) : !dl_pim_parse(m, n, &pp, &e)) {
      rejected++;
      dl_error_clear(&e);
      continue;
    }
    parsed++;
    const char *text = acc ? ap.mlir : pp.mlir;
    size_t tlen = acc ? ap.mlir_len : pp.mlir_len;
    MlirModule mod = mlirModuleCreateParse(ctx, mlirStringRefCreate(text, tlen));
    if (!mlirModuleIsNull(mod) && !dl_verify(mlirModuleGetOperation(mod))) /* as dl_sim_load */
      mlirModuleDestroy(mod), mod = (MlirModule){NULL};
    DlPlan *plan = mlirModuleIsNull(mod) ? NULL : dl_plan_create(mod, &e);
    DlPimSim *ps = plan && !acc ? dl_pim_sim_create(&pp, plan, &e) : NULL;
    DlAccSim *as = plan && acc ? dl_acc_sim_create(&ap, plan, &e) : NULL;
    if (ps || as) {
      checked++;
      const void *in = x.data;
      if (dl_plan_run(plan, &in, &e)) ran++;
    }
    dl_error_clear(&e);
    dl_pim_sim_destroy(ps);
    dl_acc_sim_destroy(as);
    dl_plan_destroy(plan);
    if (!mlirModuleIsNull(mod)) mlirModuleDestroy(mod);
    dl_pim_program_free(&pp);
    dl_acc_program_free(&ap);
  }
  printf("fuzz: %ld mutants of %s, seed %llu: %ld rejected by the reader, %ld read, %ld matched their model, %ld simulated\n",
         count, file, (unsigned long long)seed, rejected, parsed, checked, ran);
  free(m);
  free(orig);
  dl_tensor_free(&x);
  dl_context_destroy(ctx);
  return 0;
}
