/* dlc-fuzz-graph: random small graphs, quantized and compiled to every target,
 * each target's outputs compared bit for bit with the integer interpreter's.
 *   dlc-fuzz-graph [--seed S] [--count N] [--c-every K] [--dir DIR] [--keep]
 * Each graph is float qg IR of 1 to 9 random ops (conv, depthwise conv, gemm,
 * add, mul, concat, max/avg/global pooling, relu, clip, sigmoid, tanh,
 * leaky relu, hard swish, reshape, TensorFlow-style pad + stride-2 conv,
 * stride-2 conv_transpose) on random shapes, with random weights; it goes
 * through dlc's float pipeline (DL_PIPELINE_FLOAT), is calibrated on random
 * data and quantized at random widths (weights 2..8
 * bits, activations 4..8 or 16; per tensor or per channel; power-of-two
 * scales or not; symmetric or not). The interpreter runs the integer module
 * on a batch of random inputs; then pim, acc (dpu, and edge when the scales
 * are powers of two) and, for every K-th graph, C (compiled with cc) emit
 * their files, load them as dlc-run does and run the same batch. A result
 * that differs from the interpreter's in any byte is a mismatch; a crash, an
 * error without a message or an IR that does not verify is a finding.
 * A target may refuse a graph with a message (e.g. a requantization its
 * device cannot do): counted, by target, never a failure. Deterministic for a
 * seed; --keep leaves each failing graph's IR in DIR for replay with dlc
 * (and the graph being run in DIR/current.mlir, for a crash);
 * --self-test flips one bit of each target's first result, so the comparison
 * itself is shown to catch a difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlc/cmodel.h"
#include "dlc/ir.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "dlc/plan.h"
#include "dlc/support.h"
#include "dlc/target.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return rng_state;
}
static int pick(int lo, int hi) { return lo + (int)(rnd() % (uint64_t)(hi - lo + 1)); } /* lo..hi */
static float gauss(void) { /* sum of uniforms: bell-shaped, bounded */
  double s = 0;
  for (int k = 0; k < 4; k++) s += (double)(rnd() >> 11) / 9007199254740992.0;
  return (float)((s - 2.0) * 1.7);
}

/* A value of the graph being built: its SSA name and its shape (rank 2 or 4). */
typedef struct {
  int id, rank;
  int64_t d[4];
} Val;

typedef struct {
  DlBuf b;
  Val v[64];
  int nv, next, ncst, B;
} Graph;

static void type(DlBuf *b, const Val *v) {
  dl_buf_printf(b, "tensor<");
  for (int k = 0; k < v->rank; k++) dl_buf_printf(b, "%lldx", (long long)v->d[k]);
  dl_buf_printf(b, "f32>");
}
static Val *add_val(Graph *g, int rank, const int64_t *d) {
  Val *v = &g->v[g->nv++];
  v->id = g->next++, v->rank = rank;
  memcpy(v->d, d, sizeof v->d);
  return v;
}
/* A constant of n random floats times `scale` (plus `bias`), as %cN. */
static int constant(Graph *g, int rank, const int64_t *d, float scale, float bias) {
  int64_t n = 1;
  for (int k = 0; k < rank; k++) n *= d[k];
  int c = g->ncst++;
  dl_buf_printf(&g->b, "    %%c%d = arith.constant dense<\"0x", c);
  for (int64_t i = 0; i < n; i++) {
    float f = gauss() * scale + bias;
    uint32_t u;
    memcpy(&u, &f, 4);
    dl_buf_printf(&g->b, "%02X%02X%02X%02X", u & 0xFF, u >> 8 & 0xFF, u >> 16 & 0xFF, u >> 24);
  }
  Val t = {0, rank, {0}};
  memcpy(t.d, d, sizeof t.d);
  dl_buf_printf(&g->b, "\"> : ");
  type(&g->b, &t);
  dl_buf_printf(&g->b, "\n");
  return c;
}
/* "%vR = "op"(operands) {attrs} : (types) -> type" for result r. */
static void op(Graph *g, const Val *r, const char *name, const char *operands, const char *attrs, const char *types) {
  dl_buf_printf(&g->b, "    %%v%d = \"qg.%s\"(%s) %s: (%s) -> ", r->id, name, operands, attrs, types);
  type(&g->b, r);
  dl_buf_printf(&g->b, "\n");
}
static char *types_of(const Val *const *vs, int n, const char *extra) {
  static char s[2048];
  DlBuf b = {0};
  for (int k = 0; k < n; k++) {
    if (k) dl_buf_printf(&b, ", ");
    type(&b, vs[k]);
  }
  if (extra) dl_buf_printf(&b, "%s", extra);
  snprintf(s, sizeof s, "%s", b.data ? b.data : "");
  dl_buf_free(&b);
  return s;
}

/* One random op on x (and maybe another value); false if none fits. */
static bool grow(Graph *g, int xi) {
  Val x = g->v[xi];
  char ops[128], attrs[512], ty[2048];
  int kind = pick(0, 14);
  if (x.rank == 2 && (kind <= 3 || kind >= 13)) kind = 4; /* rank 2: gemm instead of the spatial ops */
  if (x.rank == 2 && (kind == 7 || kind == 10)) kind = 8;
  switch (kind) {
  case 0:
  case 1: { /* conv, sometimes depthwise */
    bool dw = kind == 1 && x.d[1] > 1;
    int k = pick(0, 2) ? 3 : 1, s = pick(0, 3) ? 1 : 2, p = k == 3 ? pick(0, 1) : 0;
    if (x.d[2] + 2 * p < k || x.d[3] + 2 * p < k) return false;
    int64_t co = dw ? x.d[1] : pick(1, 12), ci = dw ? 1 : x.d[1];
    int64_t wd[4] = {co, ci, k, k}, bd[4] = {co}, od[4] = {x.d[0], co, (x.d[2] + 2 * p - k) / s + 1, (x.d[3] + 2 * p - k) / s + 1};
    int w = constant(g, 4, wd, 0.6f / (float)k, 0), bias = pick(0, 3) ? constant(g, 1, bd, 0.3f, 0) : -1;
    Val wv = {0, 4, {co, ci, k, k}}, bv = {0, 1, {co}};
    Val *r = add_val(g, 4, od);
    snprintf(ops, sizeof ops, "%%v%d, %%c%d", x.id, w);
    if (bias >= 0) snprintf(ops + strlen(ops), sizeof ops - strlen(ops), ", %%c%d", bias);
    snprintf(attrs, sizeof attrs,
             "{dilations = array<i64: 1, 1>, group = %lld : i64, pads = array<i64: %d, %d, %d, %d>, strides = array<i64: %d, %d>} ",
             (long long)(dw ? co : 1), p, p, p, p, s, s);
    const Val *in[3] = {&x, &wv, &bv};
    snprintf(ty, sizeof ty, "%s", types_of(in, bias >= 0 ? 3 : 2, NULL));
    op(g, r, "conv", ops, attrs, ty);
    return true;
  }
  case 2:
  case 3: { /* pooling */
    if (x.d[2] < 2 || x.d[3] < 2) return false;
    if (pick(0, 2) == 0) {
      int64_t od[4] = {x.d[0], x.d[1], 1, 1};
      Val *r = add_val(g, 4, od);
      snprintf(ops, sizeof ops, "%%v%d", x.id);
      const Val *in[1] = {&x};
      op(g, r, "global_avg_pool", ops, "", types_of(in, 1, NULL));
      return true;
    }
    int64_t od[4] = {x.d[0], x.d[1], x.d[2] / 2, x.d[3] / 2};
    Val *r = add_val(g, 4, od);
    snprintf(ops, sizeof ops, "%%v%d", x.id);
    snprintf(attrs, sizeof attrs,
             "{ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, "
             "0>, strides = array<i64: 2, 2>%s} ",
             kind == 3 ? ", count_include_pad = 0 : i64" : "");
    const Val *in[1] = {&x};
    op(g, r, kind == 2 ? "max_pool" : "avg_pool", ops, attrs, types_of(in, 1, NULL));
    return true;
  }
  case 4: { /* flatten and gemm (transB = 1, as exporters write linear layers) */
    Val f = x;
    if (x.rank == 4) {
      int64_t fd[4] = {x.d[0], x.d[1] * x.d[2] * x.d[3]};
      Val *r = add_val(g, 2, fd);
      snprintf(ops, sizeof ops, "%%v%d", x.id);
      const Val *in[1] = {&x};
      op(g, r, "reshape", ops, "", types_of(in, 1, NULL));
      f = *r;
    }
    if (f.d[1] > 2048) return false;
    int64_t n = pick(1, 16), wd[4] = {n, f.d[1]}, bd[4] = {n}, od[4] = {f.d[0], n};
    int w = constant(g, 2, wd, 1.0f / (float)(f.d[1] > 16 ? 4 : 1), 0), bias = constant(g, 1, bd, 0.2f, 0);
    Val wv = {0, 2, {n, f.d[1]}}, bv = {0, 1, {n}};
    Val *r = add_val(g, 2, od);
    snprintf(ops, sizeof ops, "%%v%d, %%c%d, %%c%d", f.id, w, bias);
    const Val *in[3] = {&f, &wv, &bv};
    op(g, r, "gemm", ops, "{alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, transA = 0 : i64, transB = 1 : i64} ",
       types_of(in, 3, NULL));
    return true;
  }
  case 5:
  case 6: { /* add or mul with another value of the same shape, or a broadcast constant */
    const Val *other = NULL;
    for (int t = 0; t < 8 && !other; t++) {
      const Val *c = &g->v[rnd() % (uint64_t)g->nv];
      if (c->id != x.id && c->rank == x.rank && !memcmp(c->d, x.d, sizeof x.d)) other = c;
    }
    Val *r = add_val(g, x.rank, x.d);
    if (other) {
      snprintf(ops, sizeof ops, "%%v%d, %%v%d", x.id, other->id);
      const Val *in[2] = {&x, other};
      snprintf(ty, sizeof ty, "%s", types_of(in, 2, NULL));
    } else { /* per channel */
      int64_t cd[4] = {1, x.d[1], 1, 1};
      int c = constant(g, x.rank, cd, kind == 5 ? 0.5f : 0.3f, kind == 5 ? 0.0f : 1.0f);
      Val cv = {0, x.rank, {1, x.d[1], 1, 1}};
      snprintf(ops, sizeof ops, "%%v%d, %%c%d", x.id, c);
      const Val *in[2] = {&x, &cv};
      snprintf(ty, sizeof ty, "%s", types_of(in, 2, NULL));
    }
    op(g, r, kind == 5 ? "add" : "mul", ops, "", ty);
    return true;
  }
  case 13: { /* TensorFlow's "same" padding: zeros at the end of H and W, then a stride-2 3x3 conv */
    if (x.d[2] < 2 || x.d[3] < 2) return false;
    int64_t pd[4] = {x.d[0], x.d[1], x.d[2] + 1, x.d[3] + 1}, co = pick(1, 8);
    Val *pv = add_val(g, 4, pd);
    snprintf(ops, sizeof ops, "%%v%d", x.id);
    const Val *in1[1] = {&x};
    op(g, pv, "pad", ops, "{mode = \"constant\", pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 1>, value = 0.000000e+00 : f32} ",
       types_of(in1, 1, NULL));
    int64_t wd[4] = {co, x.d[1], 3, 3}, od[4] = {x.d[0], co, (pd[2] - 3) / 2 + 1, (pd[3] - 3) / 2 + 1};
    int w = constant(g, 4, wd, 0.2f, 0);
    Val wv = {0, 4, {co, x.d[1], 3, 3}}, pcopy = *pv;
    Val *r = add_val(g, 4, od);
    snprintf(ops, sizeof ops, "%%v%d, %%c%d", pcopy.id, w);
    const Val *in[2] = {&pcopy, &wv};
    op(g, r, "conv", ops,
       "{dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} ",
       types_of(in, 2, NULL));
    return true;
  }
  case 14: { /* upsampling: a transposed conv whose kernel equals its stride (2) */
    int64_t co = pick(1, 8), wd[4] = {x.d[1], co, 2, 2}, bd[4] = {co};
    int64_t od[4] = {x.d[0], co, 2 * x.d[2], 2 * x.d[3]};
    int w = constant(g, 4, wd, 0.4f, 0), bias = pick(0, 1) ? constant(g, 1, bd, 0.3f, 0) : -1;
    Val wv = {0, 4, {x.d[1], co, 2, 2}}, bv = {0, 1, {co}};
    Val *r = add_val(g, 4, od);
    snprintf(ops, sizeof ops, "%%v%d, %%c%d", x.id, w);
    if (bias >= 0) snprintf(ops + strlen(ops), sizeof ops - strlen(ops), ", %%c%d", bias);
    const Val *in[3] = {&x, &wv, &bv};
    op(g, r, "conv_transpose", ops,
       "{dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, "
       "strides = array<i64: 2, 2>} ",
       types_of(in, bias >= 0 ? 3 : 2, NULL));
    return true;
  }
  case 7: { /* concat along channels with a value of the same spatial shape */
    const Val *other = NULL;
    for (int t = 0; t < 8 && !other; t++) {
      const Val *c = &g->v[rnd() % (uint64_t)g->nv];
      if (c->rank == 4 && c->d[2] == x.d[2] && c->d[3] == x.d[3]) other = c;
    }
    if (!other) return false;
    int64_t od[4] = {x.d[0], x.d[1] + other->d[1], x.d[2], x.d[3]};
    Val *r = add_val(g, 4, od);
    const Val *in[2] = {&x, other};
    dl_buf_printf(&g->b, "    %%v%d = tensor.concat dim(1) %%v%d, %%v%d : (%s) -> ", r->id, x.id, other->id, types_of(in, 2, NULL));
    type(&g->b, r);
    dl_buf_printf(&g->b, "\n");
    return true;
  }
  default: { /* elementwise activations */
    static const char *acts[] = {"relu", "relu", "sigmoid", "tanh", "hard_swish"};
    Val *r = add_val(g, x.rank, x.d);
    snprintf(ops, sizeof ops, "%%v%d", x.id);
    const Val *in[1] = {&x};
    if (kind == 10) op(g, r, "clip", ops, "{max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} ", types_of(in, 1, NULL));
    else if (kind == 11) op(g, r, "leaky_relu", ops, "{alpha = 1.000000e-01 : f32} ", types_of(in, 1, NULL));
    else op(g, r, acts[rnd() % 5], ops, "", types_of(in, 1, NULL));
    return true;
  }
  }
}

/* The graph's MLIR text (malloc'd) and its input shape. */
static char *graph(int B, DlShape *in) {
  Graph g = {.B = B};
  int64_t d[4] = {B, pick(1, 6), pick(3, 12), pick(3, 12)};
  add_val(&g, 4, d);
  int nops = pick(1, 9);
  for (int k = 0, tries = 0; k < nops && tries < 40; tries++)
    if (grow(&g, g.nv - 1 - (int)(rnd() % (uint64_t)(g.nv < 3 ? g.nv : 3)))) k++; /* mostly the newest values */
  const Val *out = &g.v[g.nv - 1];
  DlBuf t = {0};
  dl_buf_printf(&t, "module {\n  func.func @main(%%v0: ");
  type(&t, &g.v[0]);
  dl_buf_printf(&t, " {dlc.name = \"x\"}) -> (");
  type(&t, out);
  dl_buf_printf(&t, " {dlc.name = \"y\"}) {\n");
  dl_buf_append(&t, g.b.data, g.b.len);
  dl_buf_printf(&t, "    return %%v%d : ", out->id);
  type(&t, out);
  dl_buf_printf(&t, "\n  }\n}\n");
  dl_buf_free(&g.b);
  *in = (DlShape){DL_F32, 4, {d[0], d[1], d[2], d[3]}};
  return t.data;
}

static void random_data(DlTensor *t, const DlShape *s, int64_t samples) {
  DlShape sh = *s;
  sh.dims[0] = samples;
  dl_tensor_alloc(t, &sh);
  float *f = t->data;
  for (int64_t i = 0; i < dl_shape_numel(&sh); i++) f[i] = gauss();
}

enum { T_PIM, T_ACC, T_EDGE, T_C, NT };
static const char *tnames[NT] = {"pim", "acc (dpu)", "acc (edge)", "c"};

int main(int argc, char **argv) {
  uint64_t seed = 1;
  long count = 100, c_every = 10;
  const char *dir = NULL;
  bool keep = false, verbose = false, self_test = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--count") && i + 1 < argc) count = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--c-every") && i + 1 < argc) c_every = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--keep")) keep = true;
    else if (!strcmp(argv[i], "-v")) verbose = true;
    else if (!strcmp(argv[i], "--self-test")) self_test = true; /* flips a bit of each target's first result */
    else return fprintf(stderr, "usage: dlc-fuzz-graph [--seed S] [--count N] [--c-every K] [--dir DIR] [--keep] [-v]\n"), 1;
  }
  char tmp[4096];
  if (dir) snprintf(tmp, sizeof tmp, "%s", dir), mkdir(dir, 0777);
  else if (!mkdtemp(strcpy(tmp, "/tmp/dlc-fuzz-graph-XXXXXX"))) return perror("mkdtemp"), 1;
  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) return fprintf(stderr, "%s\n", e.msg), 1;
  rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
  long quantized = 0, refused_q = 0, bad = 0, ran[NT] = {0}, refused[NT] = {0};
  bool flipped[NT] = {false};
  for (long it = 0; it < count; it++) {
    int B = pick(1, 3);
    DlShape in;
    char *text = graph(B, &in);
    if (keep) { /* a crash (a sanitizer's abort) leaves the graph it was on */
      char path[4200];
      snprintf(path, sizeof path, "%s/current.mlir", tmp);
      FILE *f = fopen(path, "w");
      if (f) fprintf(f, "// graph %ld\n%s", it, text), fclose(f);
    }
    MlirModule m = mlirModuleCreateParse(ctx, mlirStringRefCreate(text, strlen(text)));
    bool failed = false;
    if (mlirModuleIsNull(m) || !dl_verify(mlirModuleGetOperation(m))) {
      fprintf(stderr, "graph %ld: the generated IR does not parse\n%s", it, text);
      bad++, failed = true;
      goto next;
    }
    DlQuantSettings qs = {.wbits = pick(2, 8), .abits = pick(0, 5) ? pick(4, 8) : 16, .per_tensor = pick(0, 3) == 0,
                          .symmetric = pick(0, 3) == 0, .pow2 = pick(0, 2) == 0,
                          .calib = {.method = DL_CALIB_AUTO, .limit = 0}};
    DlTensor calib = {0}, x = {0};
    random_data(&calib, &in, 8 * B);
    random_data(&x, &in, B);
    /* the passes dlc runs before quantizing (fold-pad, conv-transpose-to-conv, ...) */
    bool q = dl_run_pipeline(m, DL_PIPELINE_FLOAT, &e);
    if (!q) {
      fprintf(stderr, "graph %ld: the float pipeline fails: %s\n%s", it, e.msg, text);
      dl_error_clear(&e);
      dl_tensor_free(&calib);
      bad++, failed = true;
      goto next;
    }
    q = dl_quantize_module(m, &qs, &calib, &e);
    dl_tensor_free(&calib);
    if (!q) {
      if (!e.msg[0]) fprintf(stderr, "graph %ld: quantization failed without a message\n", it), bad++, failed = true;
      else refused_q++;
      if (verbose) fprintf(stderr, "graph %ld: quantization refuses: %s\n", it, e.msg);
      dl_error_clear(&e);
      goto next_x;
    }
    quantized++;
    DlPlan *ref = dl_plan_create(m, &e);
    const void *ins[1] = {x.data};
    if (!ref || !dl_plan_run(ref, ins, &e)) {
      fprintf(stderr, "graph %ld: the interpreter fails: %s\n", it, e.msg);
      bad++, failed = true;
      dl_error_clear(&e);
      dl_plan_destroy(ref);
      goto next_x;
    }
    const DlTensor *want = dl_plan_output(ref, 0);
    size_t wbytes = 0;
    dl_shape_bytes(&want->shape, &wbytes);
    for (int t = 0; t < NT; t++) {
      if ((t == T_EDGE && !qs.pow2) || (t == T_C && (c_every <= 0 || it % c_every))) continue;
      const DlTarget *tg = dl_target_lookup(t == T_PIM ? "pim" : t == T_C ? "c" : "acc");
      char path[4200];
      snprintf(path, sizeof path, "%s/g%s", tmp, t == T_PIM ? ".pimbin" : t == T_C ? ".c" : ".accbin");
      DlTargetOptions o = {.out_path = path, .name = "g", .device = t == T_ACC ? "dpu" : t == T_EDGE ? "edge" : NULL};
      if (!tg->emit(m, &o, &e)) {
        if (!e.msg[0]) fprintf(stderr, "graph %ld: %s refuses without a message\n", it, tnames[t]), bad++, failed = true;
        refused[t]++;
        if (verbose) fprintf(stderr, "graph %ld: %s refuses: %s\n", it, tnames[t], e.msg);
        dl_error_clear(&e);
        continue;
      }
      DlLoaded l = {0};
      DlRunOptions ro = {0};
      void *outs[1] = {NULL};
      bool ok = tg->load(path, &ro, &l, &e);
      if (ok && l.plan) ok = dl_plan_run(l.plan, ins, &e);
      else if (ok) {
        outs[0] = calloc(1, wbytes);
        ok = dl_cmodel_run(l.cm, ins, outs) || dl_error_set(&e, "the compiled model returned an error");
      }
      void *got = !ok ? NULL : l.plan ? dl_plan_output(l.plan, 0)->data : outs[0];
      if (got && self_test && !flipped[t] && wbytes) ((unsigned char *)got)[wbytes / 2] ^= 1, flipped[t] = true;
      if (!ok) {
        fprintf(stderr, "graph %ld: %s compiled but does not run: %s\n", it, tnames[t], e.msg);
        bad++, failed = true;
      } else if (memcmp(got, want->data, wbytes)) {
        fprintf(stderr, "graph %ld: %s differs from the interpreter\n", it, tnames[t]);
        bad++, failed = true;
      } else ran[t]++;
      dl_error_clear(&e);
      free(outs[0]);
      if (tg->unload) tg->unload(&l);
    }
    dl_plan_destroy(ref);
  next_x:
    dl_tensor_free(&x);
  next:
    if (failed && keep) {
      char path[4200];
      snprintf(path, sizeof path, "%s/graph-%ld.mlir", tmp, it);
      FILE *f = fopen(path, "w");
      if (f) fputs(text, f), fclose(f);
    }
    if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
    free(text);
  }
  printf("fuzz: %ld graphs, seed %llu: %ld quantized (%ld refused by quantization with a message)\n", count,
         (unsigned long long)seed, quantized, refused_q);
  for (int t = 0; t < NT; t++) printf("  %-11s %ld identical to the interpreter, %ld refused with a message\n", tnames[t], ran[t], refused[t]);
  printf("%ld bad\n", bad);
  if (!dir && !keep) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd)) {}
  }
  dl_context_destroy(ctx);
  return bad ? 1 : 0;
}
